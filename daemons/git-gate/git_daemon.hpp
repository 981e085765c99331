#pragma once

#include <map>
#include <string>

#include "gate_config.hpp"

namespace git_gate {

// Runs `git daemon` as our child, serving the repositories on the configured
// address with receive-pack on, every connection first going through the
// access hook, and `env` added for the hooks. Forwards SIGTERM and SIGINT to
// it and returns its exit code (0 when it stopped on our signal) once it ends.
int run_git_daemon(const GateConfig& cfg, const std::map<std::string, std::string>& env);

}  // namespace git_gate
