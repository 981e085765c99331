#include "bottle/config/config_error.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <system_error>

#include "bottle/config/atomic_file.hpp"
#include "bottle/text/join.hpp"
#include "bottle/text/utf8.hpp"

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

void YamlContext::check_keys(const YAML::Node& map, const std::set<std::string>& known,
                             bool unknown_allowed, const std::string& key_prefix) const {
  if (!map.IsMap()) fail(map, key_prefix, "must be a mapping");
  std::set<std::string> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) fail(kv.first, key_prefix, "keys must be plain strings");
    const std::string& key = kv.first.Scalar();
    if (!unknown_allowed && !known.count(key)) {
      fail(kv.first, key_prefix + key,
           "unknown key (known: " + bottle::text::join(known, ", ") + ")");
    }
    if (!seen.insert(key).second) fail(kv.first, key_prefix + key, "appears twice");
  }
}

std::string read_config_file(const std::string& path) {
  try {
    return read_file(path);
  } catch (const std::system_error& e) {
    throw ConfigError(e.what());
  }
}

YAML::Node load_yaml(const std::string& text, const std::string& source) {
  // yaml-cpp takes bytes that are not UTF-8 as they are, and its emitter
  // writes them back as U+FFFD: a value would change on the next edit of the
  // file (fuzz_live_configs found a route's value doing so). Refused here,
  // once, for every YAML file a part of the bundle reads.
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = bottle::text::utf8_sequence_length(text, i);
    if (n == 0) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[i]));
      throw ConfigError(source + ":" + std::to_string(line) + ": not UTF-8 (byte " + hex +
                        " at column " + std::to_string(i - line_start + 1) +
                        "); YAML files are read as UTF-8");
    }
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
    i += n;
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) +
                      ": not valid YAML: " + e.msg);
  }
}

}  // namespace bottle::config
