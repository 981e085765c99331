#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon_spec.hpp"
#include "process_launcher.hpp"

namespace supervisor {

// What `--check` adds to parsing: the daemon's program exists and its user may
// execute it, found the way exec will find it (a path, else the daemon's own
// PATH). Throws ConfigError naming the daemon and the program.
void check_program(const std::string& registry_path, const DaemonSpec& spec,
                   const std::vector<std::string>& daemon_env, const std::optional<RunAs>& run_as);

}  // namespace supervisor
