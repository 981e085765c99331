#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "gate_config.hpp"
#include "secret_rules.hpp"
#include "secret_scanner.hpp"

namespace git_gate {

struct RefUpdate {
  std::string old_id;
  std::string new_id;
  std::string ref;
  bool deletes() const { return new_id.find_first_not_of('0') == std::string::npos; }
};

// The "<old> <new> <ref>" lines git gives a pre-receive hook.
std::vector<RefUpdate> parse_ref_updates(std::istream& in);

// Feeds `git log -p` over `revisions` (what git log takes) in `repo` to
// `scanner`, each commit's added lines against its first parent. Throws when
// git fails.
void scan_revisions(PatchScanner& scanner, const std::string& repo,
                    const std::vector<std::string>& revisions);

// Scans exactly the commits the push brings: reachable from a new ref value
// and from no ref the repository has now (so not what upstream already has),
// each commit's added lines against its first parent.
std::vector<Finding> scan_push(const SecretRules& rules, const std::string& repo,
                               const std::vector<RefUpdate>& updates);

// What the agent reads when its push is refused: each finding's rule, file,
// line, commit and a redacted excerpt, and what to do about it.
std::string rejection_message(const std::vector<Finding>& findings);

// The whole hook: scan, then forward a clean push to the upstream. The gate's
// refs move only if this returns 0, that is, only if the upstream took it.
int run_pre_receive(const GateConfig& cfg, const SecretRules& rules, const std::string& repo,
                    std::istream& in, std::ostream& out);

}  // namespace git_gate
