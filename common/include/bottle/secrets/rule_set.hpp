#pragma once

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bottle::secrets {

using Regex = std::shared_ptr<const RE2>;

// What is not a finding, as gitleaks reads an allowlist: a finding is allowed
// when any of the criteria set holds (condition "OR", the default) or when
// all of them hold ("AND").
struct Allowlist {
  enum class Condition { any, all };
  enum class Target { secret, match, line };  // what `regexes` are matched against

  std::string description;
  Condition condition = Condition::any;
  Target regex_target = Target::secret;
  std::vector<Regex> regexes;
  std::vector<Regex> paths;
  std::vector<std::string> commits;       // lower case, compared whole
  std::vector<std::string> stopwords;     // lower case, searched in the secret
  std::vector<std::string> target_rules;  // global allowlists only; empty = every rule
};

// One kind of secret. `regex` is RE2 (Go's syntax, which gitleaks uses), so a
// match costs time linear in what is scanned whatever an input holds. A rule
// with only `path` reports the file itself (a PKCS#12 file, say).
struct Rule {
  std::string id;
  std::string description;
  Regex regex;                        // null for a path-only rule
  Regex path;                         // null: every path
  int secret_group = 0;               // 0: the first group that matched, else the whole match
  std::optional<double> entropy;      // the secret needs more Shannon bits per character
  std::vector<std::string> keywords;  // lower case; the rule runs only where one occurs
  std::vector<std::string> tags;
  std::vector<Allowlist> allowlists;
};

// `expression` compiled as every rule's is (Go's syntax, RE2's memory
// bound); null when RE2 refuses it, with `error` saying why.
Regex compile_rule_regex(const std::string& expression, std::string* error);

// A loaded configuration: the rules, the allowlists that apply to all of them,
// and what the loader warns about (keys gitleaks defines that are not used here).
struct RuleSet {
  std::vector<Rule> rules;
  std::vector<Allowlist> allowlists;
  std::vector<std::string> warnings;
};

}  // namespace bottle::secrets
