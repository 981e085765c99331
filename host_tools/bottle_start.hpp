#pragma once

#include <csignal>
#include <filesystem>
#include <iosfwd>
#include <string>

namespace host_tools {

struct StartOptions {
  std::filesystem::path manifest;
  std::string bottle;  // empty: the manifest's only bottle
  std::filesystem::path state_root;
  std::filesystem::path source_dir;  // where images/Dockerfile.sidecars is
  bool rebuild = false;
  bool detach = false;
  // Set by main's SIGINT/SIGTERM/SIGHUP handler; checked between steps.
  const volatile std::sig_atomic_t* interrupted = nullptr;
};

// `bottle start`: build images, create networks, mint CAs, render configs and
// the compose file, bring the project up, attach. Every step is undone in
// reverse on failure, on interruption, and when the attached session ends.
// Returns the attached command's exit code (0 when detached). Throws on
// failure after undoing.
int start_bottle(const StartOptions& options, std::ostream& out, std::ostream& err);

}  // namespace host_tools
