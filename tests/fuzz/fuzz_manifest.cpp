// The host tool's manifest parser, on any text an operator (or a file an
// agent wrote into the workdir) could hand it: a ConfigError, never a crash.
#include "bottle/config/config_error.hpp"
#include "fuzz_input.hpp"
#include "manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    host_tools::parse_manifest_text(std::string(bottle_fuzz::text_of(data, size)),
                                    "/m/bottles.yaml");
  } catch (const bottle::config::ConfigError&) {
  }
  return 0;
}
