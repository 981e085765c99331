#include "subnet_pool.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "bottle/config/atomic_file.hpp"
#include "bottle/config/config_error.hpp"
#include "bottle/json/safe_json.hpp"

namespace host_tools {

using bottle::config::ConfigError;

std::string configured_subnet_pool() {
  const char* v = std::getenv("BOTTLE_SUBNET_POOL");
  return v && *v ? v : SubnetPool::kDefaultPool;
}

SubnetPool::SubnetPool(const std::filesystem::path& state_root, const std::string& pool,
                       std::ostream& notices)
    : file_(state_root / "subnets.json"),
      lock_((std::filesystem::create_directories(state_root), state_root / "subnets.lock"), notices,
            "bottle: waiting for another bottle's start or stop to finish with the subnet pool\n") {
  const auto parsed = Ipv4Subnet::parse(pool);
  if (!parsed || parsed->prefix < 8 || parsed->prefix > kSubnetPrefix) {
    throw ConfigError("subnet pool '" + pool +
                      "' (BOTTLE_SUBNET_POOL) is not an IPv4 subnet from /8 to /28 without host "
                      "bits, such as 10.213.0.0/16");
  }
  pool_ = *parsed;
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) return;
  try {
    const auto doc = bottle::json::parse(bottle::config::read_file(file_));
    for (const auto& [subnet, holder] : doc.at("subnets").items()) {
      held_[subnet] = {holder.at("bottle").get<std::string>(),
                       holder.at("network").get<std::string>()};
    }
  } catch (const std::exception& e) {
    throw ConfigError(file_.string() + ": not a subnet record the host tool wrote (" + e.what() +
                      "); move it away to start over");
  }
}

std::optional<Ipv4Subnet> SubnetPool::next_free(const std::set<std::string>& skip) const {
  const std::uint64_t step = std::uint64_t{1} << (32 - kSubnetPrefix);
  for (std::uint64_t offset = 0; offset < pool_.size(); offset += step) {
    const Ipv4Subnet candidate{pool_.base + static_cast<std::uint32_t>(offset), kSubnetPrefix};
    const std::string text = candidate.str();
    if (!held_.count(text) && !skip.count(text)) return candidate;
  }
  return std::nullopt;
}

void SubnetPool::hold(const Ipv4Subnet& subnet, const std::string& bottle,
                      const std::string& network) {
  held_[subnet.str()] = {bottle, network};
}

void SubnetPool::release(const std::string& bottle) {
  std::erase_if(held_, [&](const auto& kv) { return kv.second.bottle == bottle; });
}

void SubnetPool::save() const {
  nlohmann::json doc = {{"pool", pool_.str()}, {"subnets", nlohmann::json::object()}};
  for (const auto& [subnet, h] : held_) {
    doc["subnets"][subnet] = {{"bottle", h.bottle}, {"network", h.network}};
  }
  bottle::config::write_file_atomically(file_, bottle::json::dump(doc, 2) + "\n", 0600);
}

std::size_t SubnetPool::capacity() const {
  return static_cast<std::size_t>(pool_.size() >> (32 - kSubnetPrefix));
}

}  // namespace host_tools
