#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon_spec.hpp"
#include "process_launcher.hpp"

namespace supervisor {

// A daemon's whole environment: PATH, the run-as user's HOME/USER/LOGNAME, the
// supervisor's variables its registry entry may inherit (a name, or a prefix
// ending in '*' for token names that only the operator's manifest knows), then
// its own env entries. Nothing else of the supervisor's environment passes, so
// a token meant for egress reaches egress alone.
std::vector<std::string> daemon_environment(const DaemonSpec& spec,
                                            const std::optional<RunAs>& run_as,
                                            const std::vector<std::string>& supervisor_env);

// The calling process's environment as "NAME=value" strings.
std::vector<std::string> current_environment();

}  // namespace supervisor
