#pragma once

#include <re2/set.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "bottle/secrets/finding.hpp"
#include "bottle/secrets/keyword_index.hpp"
#include "bottle/secrets/rule_set.hpp"

namespace bottle::secrets {

// Where a fragment sits in a longer text, for a caller scanning in windows.
struct FragmentPosition {
  std::uint64_t first_line = 1;  // the line the fragment's first byte is on
  std::uint64_t offset = 0;      // the fragment's first byte in the whole text
  // Matches ending at or before this byte of the fragment were found in the
  // previous window (the overlap); they are not reported again.
  std::size_t report_after = 0;
};

// How long a caller waits for a scan: past `until` the scan stops where it
// is, having looked at part of the text only. The caller asks spent() and
// must then treat the text as unread (pipelock's DLP refuses it).
struct ScanBudget {
  std::chrono::steady_clock::time_point until = std::chrono::steady_clock::time_point::max();
  // Set from another thread to stop the scan now (pipelock's fork).
  const std::atomic<bool>* cancelled = nullptr;
  bool spent() const {
    if (cancelled != nullptr && cancelled->load(std::memory_order_relaxed)) return true;
    return until != std::chrono::steady_clock::time_point::max() &&
           std::chrono::steady_clock::now() >= until;
  }
};

// The rules, compiled once, applied to fragments. Semantics are gitleaks':
// a rule runs on a fragment when one of its keywords occurs in it (or it has
// none), its expression runs over the whole fragment (so a match may span
// lines: a value on the line after its XML element's tag), the secret is its
// secretGroup (else the first group that matched), entropy must exceed the
// rule's threshold, and neither a global allowlist nor the rule's allows it.
// Thread-safe: scan is const, RE2 is safe to share.
class Scanner {
 public:
  explicit Scanner(RuleSet rules);

  // Threads scanning at once each take a lane of their own (0 to kLanes - 1):
  // a lane has its own copy of the set below, whose automaton is built as
  // text needs it, under a lock its users share; two threads on one copy
  // scan no faster than one.
  static constexpr std::size_t kLanes = 4;

  // Findings of every rule with an expression in `bytes`.
  std::vector<Finding> scan(std::string_view bytes, const Source& where,
                            const FragmentPosition& position = {}, std::size_t lane = 0) const;
  // One finding, the first one met, or nothing: for a caller that refuses on
  // any (pipelock's DLP), and must not spend a pass per match on a text
  // holding thousands. Which rule is named may then be a generic one where a
  // specific rule also matched. Stops early once `budget` is spent.
  std::optional<Finding> first(std::string_view bytes, const Source& where,
                               const ScanBudget& budget = {}, std::size_t lane = 0) const;
  // Findings of the path-only rules for `where` (once per file, not per fragment).
  std::vector<Finding> scan_path(const Source& where) const;

  const RuleSet& rules() const { return rules_; }

 private:
  std::vector<Finding> scan(std::string_view bytes, const Source& where,
                            const FragmentPosition& position, std::size_t lane, std::size_t limit,
                            const ScanBudget& budget) const;
  bool allowed(const Rule& rule, const Source& where, std::string_view secret,
               std::string_view match, std::string_view line) const;

  // The rules that can match in `bytes` and whose keywords occur there.
  std::vector<bool> rules_to_run(std::string_view bytes, std::size_t lane) const;
  struct AnyMatchSet;
  // The lane's set, built on its first use; null if it cannot be.
  const AnyMatchSet* any_match_set(std::size_t lane) const;

  RuleSet rules_;
  KeywordIndex keywords_;
  // Every rule's expression in one RE2::Set: one automaton over a fragment
  // says which rules match anywhere in it, at about the cost of one rule,
  // where the rules run one by one cost one pass each. Short keywords ("sk",
  // "0.", "://") occur in most code, so without it most fragments ran dozens
  // of rules. Null if the set could not be built (then keywords alone decide).
  struct AnyMatchSet {
    std::once_flag built;
    std::unique_ptr<RE2::Set> set;
    std::vector<std::size_t> rule_of_entry;
  };
  using Lanes = std::array<AnyMatchSet, kLanes>;
  std::unique_ptr<Lanes> any_match_ = std::make_unique<Lanes>();  // on the heap: movable
  std::vector<std::vector<std::size_t>> rules_of_keyword_;
  std::vector<std::size_t> rules_without_keywords_;
};

}  // namespace bottle::secrets
