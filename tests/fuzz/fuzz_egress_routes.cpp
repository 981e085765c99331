// egress's routes loader: routes.yaml as egress reads it at start and on
// SIGHUP (written by the host tool from the manifest and approved
// proposals); a ConfigError keeps the routes in force, never a crash.
#include "bottle/config/config_error.hpp"
#include "fuzz_input.hpp"
#include "route_table.hpp"
#include "token_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const egress::TokenStore tokens(
      {{"T", "token-value-0123456789"}, {"GITHUB_TOKEN", "ghp_x"}});
  try {
    const auto table = egress::RouteTable::parse(std::string(bottle_fuzz::text_of(data, size)),
                                                 "routes.yaml", tokens);
    (void)table.match("api.example.com", "/v2/x");
  } catch (const bottle::config::ConfigError&) {
  }
  return 0;
}
