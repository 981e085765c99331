// The live documents the host tool edits: pipelock.yaml (its allowlist) and
// routes.yaml (as the operator edits routes). Parsed, changed, rendered and
// parsed again: what is written must read back the same.
#include <cstdlib>

#include "bottle/config/config_error.hpp"
#include "fuzz_input.hpp"
#include "pipelock_document.hpp"
#include "routes_document.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(bottle_fuzz::text_of(data, size));
  try {
    auto doc = host_tools::PipelockDocument::parse(text, "pipelock.yaml");
    auto hosts = doc.allowlist();
    hosts.push_back("fuzz.example.com");
    doc.set_allowlist(hosts);
    const auto again = host_tools::PipelockDocument::parse(doc.render(), "pipelock.yaml");
    if (again.allowlist() != doc.allowlist()) std::abort();
  } catch (const bottle::config::ConfigError&) {
  }
  try {
    auto doc = host_tools::RoutesDocument::parse(text, "routes.yaml");
    const auto again = host_tools::RoutesDocument::parse(doc.render(), "routes.yaml");
    if (again.routes() != doc.routes()) std::abort();
  } catch (const bottle::config::ConfigError&) {
  }
  try {
    const auto routes = host_tools::parse_routes_text(text, "routes.yaml");
    const auto again = host_tools::parse_routes_text(host_tools::render_routes_list(routes), "r");
    if (again != routes) std::abort();
  } catch (const bottle::config::ConfigError&) {
  }
  return 0;
}
