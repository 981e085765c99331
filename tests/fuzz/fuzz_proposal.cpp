// A proposal file as `bottle proposals` reads it: supervise writes them, but
// the folder is the agent's to write into (it is 1777 in the bundle), so any
// bytes may be there. Read through the same store, summarised and escaped as
// the operator is shown it; a ConfigError, never a crash.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "bottle/config/config_error.hpp"
#include "bottle/proposals/proposal.hpp"
#include "bottle/proposals/proposal_store.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "fuzz_input.hpp"

namespace {

const std::filesystem::path& folder() {
  static const std::filesystem::path dir = [] {
    auto d =
        std::filesystem::temp_directory_path() / ("fuzz-proposals-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string id = "p-20261201-120000-abcdef";
  {
    std::ofstream out(folder() / (id + ".json"), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const bottle::proposals::ProposalStore store(folder());
  try {
    const auto p = store.find(id);
    if (!p) return 0;
    for (const auto& line : p->summary()) {
      const std::string shown = bottle::text::escape_for_terminal(line);
      for (unsigned char c : shown) {
        if (c < 0x20 || c == 0x7f) std::abort();  // a control byte reached the terminal
      }
    }
    (void)bottle::proposals::to_json(*p);
  } catch (const bottle::config::ConfigError&) {
  }
  return 0;
}
