#include "bottle/config/config_error.hpp"

#include <yaml-cpp/yaml.h>

namespace bottle::config {

YamlContext YamlContext::within(const std::string& scope) const {
  return YamlContext(source_, scope_.empty() ? scope : scope_ + ": " + scope);
}

void YamlContext::fail(const YAML::Node& at, const std::string& key,
                       const std::string& problem) const {
  std::string msg = source_;
  if (at.IsDefined() && at.Mark().line >= 0) msg += ":" + std::to_string(at.Mark().line + 1);
  msg += ": ";
  if (!scope_.empty()) msg += scope_ + ": ";
  if (!key.empty()) msg += "key '" + key + "': ";
  msg += problem;
  throw ConfigError(msg);
}

}  // namespace bottle::config
