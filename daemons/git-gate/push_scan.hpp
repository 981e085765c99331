#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bottle/secrets/finding.hpp"
#include "gate_rules.hpp"

namespace git_gate {

struct ObjectScan {
  std::vector<bottle::secrets::Finding> findings;
  std::uint64_t objects = 0;  // objects looked at
  std::uint64_t bytes = 0;    // bytes of text the rules ran over
};

// The git command line the gate runs in `repo`: replace objects off (a
// refs/replace/ entry must not show the scan other history than the one
// pushed), paths unquoted.
std::vector<std::string> git_in(const std::string& repo, std::vector<std::string> args);

// Scans every object `git rev-list --objects <revisions>` lists in `repo`,
// each once: a blob's content whatever its size (streamed; UTF-16/32 decoded,
// binary as its printable runs), a commit's or tag's whole text (message,
// author, committer, tagger, tag name), and the names of files and folders.
// A blob's finding names the commit that added it. Findings the operator
// accepted are dropped. Throws std::runtime_error when git fails.
ObjectScan scan_objects(const GateRules& rules, const std::string& repo,
                        const std::vector<std::string>& revisions);

// Drops the findings in files whose version at one of `published` (commits
// the upstream already has) holds the same secret for the same rule: editing
// a file that holds an accepted test key publishes nothing new.
void drop_published(const GateRules& rules, const std::string& repo,
                    const std::vector<std::string>& published, ObjectScan& scan);

}  // namespace git_gate
