// pipelock's config loader (pipelock.yaml, written by the host tool from what
// the operator and, through approved proposals, the agent put in it).
#include "bottle/config/config_error.hpp"
#include "fuzz_input.hpp"
#include "pipelock_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    pipelock::parse_pipelock_config(std::string(bottle_fuzz::text_of(data, size)), "pipelock.yaml");
  } catch (const bottle::config::ConfigError&) {
  }
  return 0;
}
