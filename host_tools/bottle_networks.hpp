#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "bottle_paths.hpp"
#include "docker_cli.hpp"
#include "manifest.hpp"

namespace host_tools {

// A bottle's two networks, as `bottle start` made them.
struct BottleNetworks {
  std::string internal_subnet;  // CIDR, from the subnet pool
  std::string egress_subnet;    // CIDR: the manifest's egress_subnet, else from the pool
  // The sidecars container's one address on the internal network, pinned so
  // that pipelock's SSRF exemption names it alone, not the whole subnet.
  std::string sidecars_address;
};

// Makes the agent's internal network (--internal, and no address of the host
// on its bridge: com.docker.network.bridge.inhibit_ipv4, so the agent cannot
// reach the Docker host through the gateway) and the sidecars' egress network,
// on subnets from the pool (SubnetPool), recorded under the pool's lock.
// Refuses, removing what it made, when Docker gave the internal bridge an
// address of the host anyway (a Docker without the option). Throws
// std::runtime_error (ConfigError for a bad pool) saying why.
BottleNetworks create_bottle_networks(const BottleSpec& bottle, const BottlePaths& paths,
                                      const DockerCli& docker, std::ostream& notices);

// Removes both networks (absent is fine) and gives their subnets back to the pool.
void remove_bottle_networks(const BottlePaths& paths, const DockerCli& docker,
                            std::ostream& notices);

// The host's IPv4 address on `interface`, nullopt when it has none; throws
// std::out_of_range when this host has no such interface (Docker runs elsewhere).
std::optional<std::string> host_ipv4_on(const std::string& interface);

}  // namespace host_tools
