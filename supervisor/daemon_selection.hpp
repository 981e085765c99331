#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon_spec.hpp"

namespace supervisor {

// Which daemons to run, in registry order, from CLAUDE_BOTTLE_SIDECAR_DAEMONS.
// nullopt (unset) means all. An unknown name or an empty selection throws
// ConfigError listing the valid names: a typo must never drop a security daemon.
std::vector<const DaemonSpec*> select_daemons(const Registry& registry,
                                              const std::optional<std::string>& selection);

}  // namespace supervisor
