#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ref_update.hpp"

namespace git_gate {

// What git-gate decided about one push, as the one JSON line docs/architecture.md's
// decision lines have: time, what was decided on (the repository and refs),
// `decision` allow|block, the reason and rule ids, counts. Never a secret: a
// ref whose name held one appears by its redacted excerpt only.
struct PushDecision {
  std::string repository;
  std::vector<RefUpdate> updates;
  bool allowed = false;
  std::string reason;
  std::vector<std::string> rules;  // ids of the rules that found something
  std::size_t findings = 0;
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
  std::string upstream;  // accepted | refused | "" (not sent)
};

// One line of JSON, without the newline.
std::string decision_line(const PushDecision& d);

// Writes the line, newline-terminated, with one write to the descriptor
// git-gate left its hooks in GIT_GATE_DECISION_FD (its own stdout), so that
// it reaches the supervisor's log; nothing when there is none.
void write_decision_line(const PushDecision& d);

}  // namespace git_gate
