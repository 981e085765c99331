#include "bottle_networks.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>

#include <ostream>
#include <set>
#include <stdexcept>

#include "subnet_pool.hpp"

namespace host_tools {

namespace {

// How many subnets Docker may refuse as taken (by networks the pool does not
// know of) before the start gives up.
constexpr int kMaxTakenSubnets = 256;

std::string create_from_pool(SubnetPool& pool, const DockerCli& docker, const std::string& name,
                             NetworkOptions options, const std::string& bottle) {
  std::set<std::string> taken;
  while (static_cast<int>(taken.size()) < kMaxTakenSubnets) {
    const auto subnet = pool.next_free(taken);
    if (!subnet) {
      throw std::runtime_error(
          "the subnet pool " + configured_subnet_pool() + " is full (" +
          std::to_string(pool.capacity()) +
          " subnets): stop a bottle, or set BOTTLE_SUBNET_POOL to a larger one");
    }
    options.subnet = subnet->str();
    options.gateway = subnet->address(1);
    try {
      docker.create_network(name, options);
      pool.hold(*subnet, bottle, name);
      return subnet->str();
    } catch (const SubnetTaken&) {
      taken.insert(subnet->str());  // another project's network: try the next one
    }
  }
  throw std::runtime_error("Docker refused " + std::to_string(kMaxTakenSubnets) +
                           " subnets of the pool as already in use; set BOTTLE_SUBNET_POOL to a "
                           "range nothing else on this host uses");
}

// The one check that matters: the host has no address on the agent's network.
void refuse_if_the_host_is_on(const std::string& network, const DockerCli& docker,
                              std::ostream& notices) {
  const std::string bridge = docker.network_bridge(network);
  std::optional<std::string> address;
  try {
    address = host_ipv4_on(bridge);
  } catch (const std::out_of_range&) {
    notices << "bottle: cannot see the bridge " << bridge << " of " << network
            << " from here (is Docker running on another host?): not checking that the host "
               "has no address on the agent's network\n";
    return;
  }
  if (address) {
    throw std::runtime_error(
        "Docker gave the host the address " + *address + " on the agent's network " + network +
        " (bridge " + bridge +
        ") although it was asked not to (com.docker.network.bridge.inhibit_ipv4): the agent "
        "could reach every service the host runs on all addresses. This Docker cannot isolate "
        "the agent; refusing to start (Docker 20.10 or newer supports the option)");
  }
}

}  // namespace

std::optional<std::string> host_ipv4_on(const std::string& interface) {
  if (::if_nametoindex(interface.c_str()) == 0) {
    throw std::out_of_range("no interface " + interface + " on this host");
  }
  ifaddrs* all = nullptr;
  if (::getifaddrs(&all) != 0) throw std::runtime_error("getifaddrs failed");
  std::optional<std::string> found;
  for (ifaddrs* a = all; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    if (interface != a->ifa_name) continue;
    char text[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    found = text;
    break;
  }
  ::freeifaddrs(all);
  return found;
}

BottleNetworks create_bottle_networks(const BottleSpec& b, const BottlePaths& paths,
                                      const DockerCli& docker, std::ostream& notices) {
  SubnetPool pool(paths.state_root(), configured_subnet_pool(), notices);
  pool.release(b.name);  // whatever an earlier run of this bottle left recorded
  NetworkOptions internal;
  internal.internal = true;
  internal.no_host_address = true;
  internal.label = "claude-bottle=" + b.name;
  NetworkOptions egress;
  egress.label = internal.label;
  BottleNetworks out;
  try {
    out.internal_subnet =
        create_from_pool(pool, docker, paths.internal_network(), internal, b.name);
    refuse_if_the_host_is_on(paths.internal_network(), docker, notices);
    if (b.egress_subnet) {
      egress.subnet = *b.egress_subnet;
      docker.create_network(paths.egress_network(), egress);
      out.egress_subnet = *b.egress_subnet;
    } else {
      out.egress_subnet = create_from_pool(pool, docker, paths.egress_network(), egress, b.name);
    }
  } catch (...) {
    docker.remove_network(paths.internal_network());
    docker.remove_network(paths.egress_network());
    pool.release(b.name);
    pool.save();
    throw;
  }
  pool.save();
  // .0 is the network, .1 Docker's gateway (kept by Docker's address
  // management, though no bridge carries it), .2 the sidecars.
  out.sidecars_address = Ipv4Subnet::parse(out.internal_subnet)->address(2);
  return out;
}

void remove_bottle_networks(const BottlePaths& paths, const DockerCli& docker,
                            std::ostream& notices) {
  docker.remove_network(paths.internal_network());
  docker.remove_network(paths.egress_network());
  SubnetPool pool(paths.state_root(), configured_subnet_pool(), notices);
  pool.release(paths.slug());
  pool.save();
}

}  // namespace host_tools
