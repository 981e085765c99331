#pragma once

#include <string>

#include "gate_config.hpp"

namespace git_gate {

// Makes the bare repository of every upstream (kept across restarts) and the
// hooks folder they all use: a pre-receive hook and git daemon's access hook,
// both running `self` (this executable).
void prepare_repositories(const GateConfig& cfg, const std::string& self);
std::string hooks_dir(const GateConfig& cfg);

// Brings the gate's copy of `u` up to the upstream's branches and tags (a
// mirror: the upstream wins). Serialised per repository by a lock file.
// Returns "" on success, else what failed (never a key, which is a path here).
std::string fetch_from_upstream(const GateConfig& cfg, const GateUpstream& u);

// The upstream a repository path (as git daemon or a hook sees it) belongs to.
const GateUpstream* upstream_of_repository(const GateConfig& cfg, const std::string& path);

}  // namespace git_gate
