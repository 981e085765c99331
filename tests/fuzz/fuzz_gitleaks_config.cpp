// git-gate's rules loader: a gitleaks configuration (TOML) the operator
// brings through the manifest's git_rules; what loads is compiled into a
// scanner and run once.
#include "bottle/config/config_error.hpp"
#include "bottle/secrets/gitleaks_config.hpp"
#include "bottle/secrets/scanner.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto rules = bottle::secrets::parse_gitleaks_config(bottle_fuzz::text_of(data, size),
                                                        "rules.toml", {SHIPPED_RULES});
    const bottle::secrets::Scanner scanner(std::move(rules));
    (void)scanner.scan("password = \"hunter2-but-longer-0123\"\n", {"fuzz", "a.env", ""});
  } catch (const bottle::config::ConfigError&) {
  }
  return 0;
}
