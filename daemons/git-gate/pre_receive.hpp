#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "gate_config.hpp"
#include "gate_rules.hpp"
#include "push_scan.hpp"
#include "ref_update.hpp"

namespace git_gate {

// Why a push is refused before anything is scanned ("" when it is not): a
// ref under refs/replace/ would make clones show other history than the one
// the gate scanned.
std::string refused_ref(const std::vector<RefUpdate>& updates);

// Scans everything the push brings that the gate (so the upstream) does not
// have: every new object, reachable from a pushed value and from no ref of
// the gate, and the pushed ref names. `updates` gain their redacted names.
ObjectScan scan_push(const GateRules& rules, const std::string& repo,
                     std::vector<RefUpdate>& updates);

// What the agent reads when its push is refused: each finding's rule, where
// it was (file and line and the commit adding it; a commit's message; a tag;
// a ref or file name), a redacted excerpt, and what to do about it.
std::string rejection_message(const std::vector<bottle::secrets::Finding>& findings);

// The whole hook: refuse, scan, then forward a clean push to the upstream
// (a forced update forced, leased on what the agent saw) while holding the
// repository's lock until receive-pack has moved the gate's refs. The
// gate's refs move only if this returns 0, that is, only if the upstream
// took the push. Writes one decision line.
int run_pre_receive(const GateConfig& cfg, const GateRules& rules, const std::string& repo,
                    std::istream& in, std::ostream& out);

}  // namespace git_gate
