#include "live_configs.hpp"

#include <yaml-cpp/yaml.h>

#include "bottle/config/config_error.hpp"
#include "bottle/config/hostname_rules.hpp"

namespace supervise {

using bottle::config::YamlContext;

std::vector<std::string> LiveConfigs::allowlist() const {
  const std::string source = pipelock_config_.string();
  const YAML::Node root =
      bottle::config::load_yaml(bottle::config::read_config_file(source), source);
  const YamlContext ctx(source);
  std::vector<std::string> hosts;
  const YAML::Node list = root["api_allowlist"];
  if (!list) return hosts;
  if (!list.IsSequence()) ctx.fail(list, "api_allowlist", "must be a list of hosts");
  for (const auto& item : list) {
    if (!item.IsScalar()) ctx.fail(item, "api_allowlist", "every item must be a host");
    hosts.push_back(bottle::config::checked_hostname(ctx, item, "api_allowlist", item.Scalar(),
                                                     bottle::config::Wildcards::kAllowed));
  }
  return hosts;
}

std::vector<bottle::config::Route> LiveConfigs::routes() const {
  const std::string source = routes_config_.string();
  const YAML::Node root =
      bottle::config::load_yaml(bottle::config::read_config_file(source), source);
  const YamlContext ctx(source);
  if (!root["routes"]) return {};
  // Keys of a newer host tool are kept, as egress keeps them.
  return bottle::config::parse_routes(ctx, root["routes"], bottle::config::UnknownKeys::kKeep);
}

}  // namespace supervise
