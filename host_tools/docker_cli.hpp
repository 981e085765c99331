#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bottle/subprocess.hpp"

namespace host_tools {

// The docker commands the host tool needs, each one argument vector.
class DockerCli {
 public:
  // "docker compose" when the v2 plugin answers, else "docker-compose" (v1);
  // throws std::runtime_error when neither is installed.
  std::vector<std::string> detect_compose() const;

  bool image_exists(const std::string& image) const;
  bool network_exists(const std::string& name) const;
  // Whether the container exists and is running.
  bool container_running(const std::string& name) const;
  // The subnet (CIDR) Docker gave the network; throws when there is none.
  std::string network_subnet(const std::string& name) const;

  // Throws std::runtime_error carrying docker's own message on failure.
  void create_network(const std::string& name, bool internal, const std::string& label,
                      const std::optional<std::string>& subnet = std::nullopt) const;
  void remove_network(const std::string& name) const;  // absent is fine
  void kill_signal(const std::string& container, const std::string& signal) const;

 private:
  bottle::CommandResult docker(const std::vector<std::string>& args) const;
  void require(const std::vector<std::string>& args, const std::string& doing) const;
};

}  // namespace host_tools
