#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bottle/config/route.hpp"
#include "bottle_paths.hpp"
#include "docker_cli.hpp"

// `bottle pipelock ...` and `bottle routes ...`: show reads the live file;
// every other verb goes through apply_config_change.
namespace host_tools {

// The paths of a bottle that has been started at least once; throws
// ConfigError pointing at `bottle ls` otherwise.
BottlePaths known_bottle(const std::filesystem::path& state_root, const std::string& name);

// The token variables the running bundle was given (from metadata.json).
std::set<std::string> bundle_tokens(const BottlePaths& paths);

// Text from a file, or from stdin when `file` is "-" or empty.
std::string read_input(const std::string& file);

void pipelock_show(const BottlePaths& paths, std::ostream& out);
void pipelock_set(const BottlePaths& paths, const std::string& file, const DockerCli& docker,
                  std::ostream& out);
void pipelock_add(const BottlePaths& paths, const std::vector<std::string>& hosts,
                  const DockerCli& docker, std::ostream& out);
void pipelock_remove(const BottlePaths& paths, const std::vector<std::string>& hosts,
                     const DockerCli& docker, std::ostream& out);
void pipelock_edit(const BottlePaths& paths, const DockerCli& docker, std::ostream& out);

void routes_show(const BottlePaths& paths, std::ostream& out);
void routes_set(const BottlePaths& paths, const std::string& file, const DockerCli& docker,
                std::ostream& out);
void routes_add(const BottlePaths& paths, const bottle::config::Route& route,
                const DockerCli& docker, std::ostream& out);
void routes_remove(const BottlePaths& paths, const std::string& host,
                   const std::optional<std::string>& path_prefix, const DockerCli& docker,
                   std::ostream& out);
void routes_edit(const BottlePaths& paths, const DockerCli& docker, std::ostream& out);

}  // namespace host_tools
