#include "pre_receive.hpp"

#include "bottle/subprocess.hpp"
#include "gate_repositories.hpp"

namespace git_gate {

namespace {

constexpr std::size_t kFindingsShown = 20;

}  // namespace

std::vector<RefUpdate> parse_ref_updates(std::istream& in) {
  std::vector<RefUpdate> out;
  RefUpdate u;
  while (in >> u.old_id >> u.new_id >> u.ref) out.push_back(u);
  return out;
}

void scan_revisions(PatchScanner& scanner, const std::string& repo,
                    const std::vector<std::string>& revisions) {
  std::vector<std::string> argv = {"git",
                                   "-C",
                                   repo,
                                   "-c",
                                   "core.quotePath=false",
                                   "log",
                                   "--no-color",
                                   "-p",
                                   "-U0",
                                   "--no-renames",
                                   "--no-ext-diff",
                                   "--no-textconv",
                                   "--diff-merges=first-parent",
                                   "--format=%x01%H"};
  argv.insert(argv.end(), revisions.begin(), revisions.end());
  const int code =
      bottle::run_reading_stdout(argv, {}, [&](std::string_view line) { scanner.feed_line(line); });
  if (code != 0) throw std::runtime_error("git log " + revisions.front() + " ... failed");
}

std::vector<Finding> scan_push(const SecretRules& rules, const std::string& repo,
                               const std::vector<RefUpdate>& updates) {
  std::vector<std::string> revisions;
  for (const auto& u : updates) {
    if (!u.deletes()) revisions.push_back(u.new_id);
  }
  if (revisions.empty()) return {};
  // Not reachable from any ref the gate has now: only what this push brings.
  revisions.push_back("--not");
  revisions.push_back("--all");
  PatchScanner scanner(rules);
  scan_revisions(scanner, repo, revisions);
  return scanner.findings();
}

std::string rejection_message(const std::vector<Finding>& findings) {
  std::string m = "git-gate: push rejected: " + std::to_string(findings.size()) +
                  (findings.size() == 1 ? " secret" : " secrets") +
                  " found in the commits being pushed. Nothing was sent upstream.\n";
  for (std::size_t i = 0; i < findings.size() && i < kFindingsShown; ++i) {
    const auto& f = findings[i];
    m += "\n  " + f.rule_id + " (" + f.description + ")\n";
    m += "    file " + f.path + ", line " + std::to_string(f.line) + ", commit " +
         f.commit.substr(0, 12) + "\n";
    m += "    excerpt: " + f.redacted_excerpt() + "\n";
    m += "    fingerprint: " + f.fingerprint() + "\n";
  }
  if (findings.size() > kFindingsShown) {
    m += "\n  ... and " + std::to_string(findings.size() - kFindingsShown) + " more\n";
  }
  m += "\nRemove the secret from every commit that adds it (git rebase -i, edit, commit --amend),\n"
       "then push again; a secret that has left your machine should also be rotated.\n"
       "If a finding is not a secret, the operator can accept its fingerprint.\n";
  return m;
}

int run_pre_receive(const GateConfig& cfg, const SecretRules& rules, const std::string& repo,
                    std::istream& in, std::ostream& out) {
  const GateUpstream* upstream = upstream_of_repository(cfg, repo);
  if (!upstream) {
    out << "git-gate: " << repo << " is not a repository of this bottle\n";
    return 1;
  }
  const auto updates = parse_ref_updates(in);
  std::vector<Finding> findings;
  try {
    findings = scan_push(rules, repo, updates);
  } catch (const std::exception& e) {
    out << "git-gate: push rejected: the scan could not run (" << e.what() << ")\n";
    return 1;
  }
  if (!findings.empty()) {
    out << rejection_message(findings);
    return 1;
  }
  // The pushed objects are still in quarantine and this git reads them there;
  // but a receive-pack that git starts locally (file:// upstreams) would
  // inherit the marker and refuse to update its own refs.
  std::vector<std::string> argv = {"env",  "-u",       "GIT_QUARANTINE_PATH", "git", "-C", repo,
                                   "push", "--atomic", upstream->url};
  for (const auto& u : updates) argv.push_back((u.deletes() ? "" : u.new_id) + ":" + u.ref);
  out << "git-gate: no secrets found; pushing to " << upstream->url << "\n";
  out.flush();
  const auto r = bottle::run_captured(argv, upstream_environment(*upstream));
  out << r.out << r.err;
  if (!r.ok()) {
    out << "git-gate: the upstream refused the push (above); the gate's refs are unchanged\n";
    return 1;
  }
  out << "git-gate: the upstream accepted the push\n";
  return 0;
}

}  // namespace git_gate
