#pragma once

#include <cstdint>
#include <string>

namespace bottle::secrets {

// Where scanned bytes come from. `description` is what the operator or the
// agent reads ("file config/app.env of commit 1a2b3c4d5e6f", "query value
// 'q'"); `path` and `commit` are what rules and allowlists match ("" = none).
struct Source {
  std::string description;
  std::string path;
  std::string commit;
};

// One secret found. It never holds the secret: `excerpt` is the line around
// it with the secret cut to its first characters, terminal-safe; the digest
// lets a caller compare two findings' secrets without keeping either.
struct Finding {
  std::string rule_id;
  std::string description;
  Source source;
  std::uint64_t line = 0;    // 1-based line of the secret; 0 for a path-only rule
  std::uint64_t column = 0;  // 1-based byte column
  std::uint64_t offset = 0;  // byte offset of the secret in what was scanned
  std::string excerpt;
  std::uint64_t secret_digest = 0;  // in-process comparisons only; never shown or stored

  // commit:path:rule:line, the form gitleaks gives a finding (and reads from
  // a .gitleaksignore file); without a commit, path:rule:line.
  std::string fingerprint() const;
};

}  // namespace bottle::secrets
