#pragma once

#include <string>
#include <string_view>

#include "bottle/secrets/rule_set.hpp"

namespace bottle::secrets {

struct LoadOptions {
  // What `[extend] useDefault = true` extends: the shipped rules (gitleaks'
  // own defaults are not shipped). "" refuses useDefault.
  std::string default_rules;
};

// Reads a gitleaks configuration (TOML): [[rules]] with id, description,
// regex, secretGroup, entropy, keywords, path, tags and [[rules.allowlists]]
// (or the older [rules.allowlist]); global [[allowlists]] (or [allowlist]);
// [extend] with path, useDefault and disabledRules. A relative extend path is
// read relative to the file naming it. Throws bottle::config::ConfigError
// naming file, line and key for anything it cannot use as meant: a syntax
// error, an unknown key, a bad expression, a group the expression lacks.
RuleSet load_gitleaks_config(const std::string& path, const LoadOptions& options = {});
RuleSet parse_gitleaks_config(std::string_view text, const std::string& source,
                              const LoadOptions& options = {});

}  // namespace bottle::secrets
