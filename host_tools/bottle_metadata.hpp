#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace host_tools {

// What `bottle start` decided, kept in state/<slug>/metadata.json so that
// stop, status, logs and live changes act on the same project and containers.
struct BottleMetadata {
  std::string bottle;
  std::string manifest;
  std::string project;
  std::vector<std::string> compose;  // "docker compose" or "docker-compose"
  std::string compose_file;
  std::string agent_container;
  std::string sidecars_container;
  std::string internal_network;
  std::string egress_network;
  std::string internal_subnet;
  std::string egress_subnet;
  std::string sidecars_address;              // pinned on the internal network
  std::vector<std::string> token_variables;  // names only
  std::vector<std::string> agent_command;
  std::string started_at;
  std::string state;  // starting, running, stopped
};

void write_metadata(const std::filesystem::path& file, const BottleMetadata& m);
// Nothing when the file does not exist; throws ConfigError when it does not parse.
std::optional<BottleMetadata> read_metadata(const std::filesystem::path& file);

}  // namespace host_tools
