#pragma once

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace git_gate {

// One kind of secret: a regular expression (RE2, so matching stays linear in
// the line whatever a pushed file holds), the group that is the secret, the
// keywords that must appear on a line before the expression is tried, and
// optionally the least Shannon entropy the secret must have.
struct SecretRule {
  std::string id;
  std::string description;
  std::shared_ptr<const RE2> regex;
  int secret_group = 0;
  std::vector<std::string> keywords;  // lower case
  std::optional<double> min_entropy;
};

// What is not a finding: paths never scanned, secrets matching an allowed
// expression, and findings accepted by fingerprint (commit:path:rule:line).
struct SecretAllowlist {
  std::vector<std::shared_ptr<const RE2>> paths;
  std::vector<std::shared_ptr<const RE2>> secrets;
  std::set<std::string> fingerprints;
};

struct SecretRules {
  std::vector<SecretRule> rules;
  SecretAllowlist allowlist;

  // Throws bottle::config::ConfigError naming the file, line and key (a bad
  // expression included, with RE2's reason). A relative fingerprints_file is
  // read relative to the rules file.
  static SecretRules parse(const std::string& text, const std::string& source);
  static SecretRules load(const std::string& path);
};

// Reads a fingerprint file: one fingerprint per line, '#' comments, blank lines ignored.
std::set<std::string> parse_fingerprints(const std::string& text);

// Shannon entropy of `s` in bits per character.
double shannon_entropy(std::string_view s);

}  // namespace git_gate
