#pragma once

#include <set>
#include <string>

#include "bottle/secrets/scanner.hpp"
#include "gate_config.hpp"

namespace git_gate {

// What the gate scans with: the compiled rules and the findings the operator
// accepted by fingerprint.
struct GateRules {
  std::string file;  // the gitleaks configuration they came from
  bottle::secrets::Scanner scanner;
  std::set<std::string> accepted;
  // Windows of one large file scanned at once (StreamScanner's workers): the
  // machine's cores, at most 4. The scan runs in the hook's own process.
  std::size_t workers = 1;

  bool accepts(const bottle::secrets::Finding& f) const { return accepted.count(f.fingerprint()); }
};

// The rules file is `flag`, else git-gate.yaml's `rules`, else `shipped`;
// `[extend] useDefault = true` in it means `shipped`. Throws
// bottle::config::ConfigError naming file, line and key.
GateRules load_gate_rules(const GateConfig& cfg, const std::string& flag,
                          const std::string& shipped);

// One fingerprint per line; '#' comments and blank lines ignored.
std::set<std::string> parse_fingerprints(const std::string& text);

}  // namespace git_gate
