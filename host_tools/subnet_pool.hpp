#pragma once

#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "apply_lock.hpp"
#include "ipv4_subnet.hpp"

namespace host_tools {

// Each bottle's two networks take small subnets the host tool carves from one
// pool, instead of Docker's default address pools: those hold about 30
// networks on a stock Docker, so 15 bottles, fewer beside other projects.
// A /28 holds the network, Docker's gateway, the sidecars and the agent with
// room to spare, so the default pool, 10.213.0.0/16, holds 4096 of them:
// 2048 bottles. The pool is chosen to stay clear of the ranges LANs and Docker
// itself use (10.0.x, 10.1.x, 172.16-31.x, 192.168.x).
//
// What is taken is recorded in <state root>/subnets.json, changed only under
// <state root>/subnets.lock, so concurrent `bottle start`s never pick the same
// subnet; a bottle's subnets are released when it stops.
class SubnetPool {
 public:
  static constexpr const char* kDefaultPool = "10.213.0.0/16";
  static constexpr int kSubnetPrefix = 28;

  // Takes the pool's lock (waiting, and saying so on `notices`, when another
  // start or stop holds it) and reads the record. Throws ConfigError for a
  // pool that is not a canonical IPv4 subnet of /8 to /28, or a record that
  // does not parse.
  SubnetPool(const std::filesystem::path& state_root, const std::string& pool,
             std::ostream& notices);

  // The first /28 of the pool that no bottle holds and that is not in `skip`
  // (subnets Docker refused because something else uses them); nullopt when
  // the pool is full.
  std::optional<Ipv4Subnet> next_free(const std::set<std::string>& skip) const;
  void hold(const Ipv4Subnet& subnet, const std::string& bottle, const std::string& network);
  // Forgets every subnet `bottle` held.
  void release(const std::string& bottle);
  // Writes the record (atomically); the lock is let go when the pool is destroyed.
  void save() const;
  std::size_t capacity() const;

 private:
  struct Holder {
    std::string bottle;
    std::string network;
  };
  std::filesystem::path file_;
  ApplyLock lock_;
  Ipv4Subnet pool_;
  std::map<std::string, Holder> held_;  // subnet (canonical text) -> who holds it
};

// The pool `bottle` uses: $BOTTLE_SUBNET_POOL, else the default.
std::string configured_subnet_pool();

}  // namespace host_tools
