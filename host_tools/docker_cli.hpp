#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bottle/subprocess.hpp"

namespace host_tools {

// What `docker network create` is asked for.
struct NetworkOptions {
  bool internal = false;  // --internal: no route out
  // The bridge gets no address of the host (com.docker.network.bridge.inhibit_ipv4),
  // so nothing on the network can reach the host through it.
  bool no_host_address = false;
  std::string label;
  std::optional<std::string> subnet;
  std::optional<std::string> gateway;
};

// Docker refused a subnet because another network already uses it (its
// message: "Pool overlaps with other one on this address space").
class SubnetTaken : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

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

  // The host's interface for a bridge network ("br-" and the id's first 12).
  std::string network_bridge(const std::string& name) const;

  // Throws SubnetTaken when the subnet clashes with another network, else
  // std::runtime_error carrying docker's own message on failure.
  void create_network(const std::string& name, const NetworkOptions& options) const;
  void remove_network(const std::string& name) const;  // absent is fine
  void kill_signal(const std::string& container, const std::string& signal) const;

 private:
  bottle::CommandResult docker(const std::vector<std::string>& args) const;
  void require(const std::vector<std::string>& args, const std::string& doing) const;
};

}  // namespace host_tools
