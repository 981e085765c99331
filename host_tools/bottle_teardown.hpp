#pragma once

#include <iosfwd>

#include "bottle_metadata.hpp"
#include "bottle_paths.hpp"
#include "docker_cli.hpp"

// The steps that take a bottle down, shared by `bottle stop` and by the undo
// of a `bottle start` that failed or whose session ended. Each is safe to run
// twice and on a bottle that only half started.
namespace host_tools {

// `compose logs` into compose.log, then `compose down`.
void save_logs_and_take_down(const BottlePaths& paths, const BottleMetadata& meta,
                             std::ostream& out);
// The bottle's networks and their subnets in the pool (bottle_networks.hpp).
void remove_networks(const BottlePaths& paths, const DockerCli& docker, std::ostream& notices);
// The CA keys are worthless once the bottle is gone, and safest deleted; so
// are the bundle's copies of the git upstreams' ssh keys.
void remove_private_keys(const BottlePaths& paths);
void mark_state(const BottlePaths& paths, const std::string& state);

// All of the above, in that order. Returns false when there is no such bottle.
bool stop_bottle(const BottlePaths& paths, const DockerCli& docker, std::ostream& out);

}  // namespace host_tools
