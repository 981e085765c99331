#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "secret_rules.hpp"

namespace git_gate {

struct Finding {
  std::string rule_id;
  std::string description;
  std::string commit;
  std::string path;
  int line = 0;
  std::string secret;
  std::string line_text;

  // commit:path:rule:line, the form of an accepted-findings entry.
  std::string fingerprint() const;
  // The line with the secret shown as its first 4 characters and "…",
  // shortened around it: enough to find it, too little to use it.
  std::string redacted_excerpt() const;
};

// Reads `git log -p -U0 --format=%x01%H` output line by line and checks each
// added line ('+') against the rules, tracking commit, path and the line's
// number in the new file. Binary files have no '+' lines, so they are skipped.
class PatchScanner {
 public:
  explicit PatchScanner(const SecretRules& rules) : rules_(rules) {}

  void feed_line(std::string_view line);
  const std::vector<Finding>& findings() const { return findings_; }
  // Added lines looked at, for the benchmark.
  std::size_t lines_scanned() const { return lines_scanned_; }

 private:
  void scan_added(std::string_view text);

  const SecretRules& rules_;
  std::vector<Finding> findings_;
  std::string commit_;
  std::string path_;
  bool path_skipped_ = false;
  bool in_header_ = false;  // between "diff --git" and the first "@@"
  int next_line_ = 0;
  std::size_t lines_scanned_ = 0;
  std::string lowered_;
};

// The findings on one line of `path` (for tests and single files).
std::vector<Finding> scan_line(const SecretRules& rules, std::string_view text,
                               const std::string& path, int line, const std::string& commit);

}  // namespace git_gate
