#include "bottle_paths.hpp"

#include <cstdlib>
#include <stdexcept>

namespace host_tools {

std::filesystem::path default_state_root() {
  if (const char* dir = std::getenv("BOTTLE_STATE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "claude-bottle";
  }
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    throw std::runtime_error("neither BOTTLE_STATE_DIR nor HOME is set: pass --state-dir");
  }
  return std::filesystem::path(home) / ".local" / "state" / "claude-bottle";
}

}  // namespace host_tools
