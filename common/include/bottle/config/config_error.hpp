#pragma once

#include <set>
#include <stdexcept>
#include <string>

namespace YAML {
class Node;
}

namespace bottle::config {

// An input mistake the operator must fix. The message already names the file,
// the line and the key, so callers print it as it is.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where a YAML value came from, so every error can say "file:line: key: problem".
class YamlContext {
 public:
  explicit YamlContext(std::string source, std::string scope = {})
      : source_(std::move(source)), scope_(std::move(scope)) {}

  // A context for an item inside this one ("bottle 'demo'", "route 2").
  YamlContext within(const std::string& scope) const;

  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& problem) const;

  // `map` must be a mapping whose keys are plain strings appearing once each
  // and, unless `unknown_allowed`, are all in `known`: a typo in a security
  // config must never be silently ignored. Errors name a key as
  // `key_prefix` + key ("restart." + "policy").
  void check_keys(const YAML::Node& map, const std::set<std::string>& known,
                  bool unknown_allowed = false, const std::string& key_prefix = {}) const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::string scope_;
};

// The text of a config file; a file that cannot be read is a ConfigError
// naming it and why.
std::string read_config_file(const std::string& path);

// Parses YAML text; a syntax error becomes a ConfigError naming `source:line`.
YAML::Node load_yaml(const std::string& text, const std::string& source);

}  // namespace bottle::config
