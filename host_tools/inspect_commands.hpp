#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "bottle_paths.hpp"
#include "docker_cli.hpp"

// `bottle ls`, `bottle status`, `bottle logs`: looking, never changing.
namespace host_tools {

void list_bottles(const std::filesystem::path& state_root, const DockerCli& docker,
                  std::ostream& out);

// The supervisor's per-daemon table, through `docker exec ... sidecarctl status`.
// Returns sidecarctl's exit code.
int show_status(const BottlePaths& paths, const DockerCli& docker, bool json);

// The project's logs, or only `daemon`'s lines (the supervisor prefixes each
// with the daemon's name). Returns docker's exit code.
int show_logs(const BottlePaths& paths, const std::string& daemon, bool follow, std::ostream& out);

}  // namespace host_tools
