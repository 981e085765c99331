// The supervisor's daemon registry and the selection from
// CLAUDE_BOTTLE_SIDECAR_DAEMONS: the input's first line is the selection, the
// rest the registry.
#include "config_error.hpp"
#include "daemon_selection.hpp"
#include "fuzz_input.hpp"
#include "registry_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = bottle_fuzz::text_of(data, size);
  const auto nl = input.find('\n');
  const std::string selection(input.substr(0, nl));
  const std::string yaml(nl == std::string_view::npos ? "" : input.substr(nl + 1));
  try {
    const auto registry = supervisor::parse_registry(yaml, "/etc/bottle/daemons.yaml");
    supervisor::select_daemons(registry, selection);
    supervisor::select_daemons(registry, std::nullopt);
  } catch (const supervisor::ConfigError&) {
  }
  return 0;
}
