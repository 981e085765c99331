#include "pre_receive.hpp"

#include <unistd.h>

#include <set>

#include "bottle/secrets/stream_scanner.hpp"
#include "bottle/subprocess.hpp"
#include "decision_line.hpp"
#include "gate_repositories.hpp"
#include "repository_lock.hpp"

namespace git_gate {

using bottle::secrets::Finding;

namespace {

constexpr std::size_t kFindingsShown = 20;

bool is_ancestor(const std::string& repo, const std::string& old_id, const std::string& new_id) {
  const auto r = bottle::run_captured(git_in(repo, {"merge-base", "--is-ancestor", old_id, new_id}),
                                      {{"GIT_NO_REPLACE_OBJECTS", "1"}});
  if (r.exit_code > 1) throw std::runtime_error("git merge-base failed: " + r.err);
  return r.exit_code == 0;
}

std::string where(const Finding& f) {
  if (f.line == 0) return f.source.description;
  return f.source.description + ", line " + std::to_string(f.line);
}

}  // namespace

std::string refused_ref(const std::vector<RefUpdate>& updates) {
  for (const auto& u : updates) {
    if (u.ref.starts_with("refs/replace/")) {
      return "git-gate: push rejected: " + u.ref +
             " is a replace ref, which makes every clone show other history than the one pushed "
             "(and scanned); the gate takes none. Nothing was sent upstream.\n";
    }
  }
  return "";
}

ObjectScan scan_push(const GateRules& rules, const std::string& repo,
                     std::vector<RefUpdate>& updates) {
  std::vector<std::string> revisions;
  for (const auto& u : updates) {
    if (!u.deletes()) revisions.push_back(u.new_id);
  }
  ObjectScan scan;
  if (!revisions.empty()) {
    // Not reachable from any ref the gate has now: only what this push brings.
    revisions.push_back("--not");
    revisions.push_back("--all");
    scan = scan_objects(rules, repo, revisions);
    // A file the upstream already holds the same secret in publishes nothing new.
    std::vector<std::string> published;
    for (const auto& u : updates) {
      if (!u.creates()) published.push_back(u.old_id);
    }
    published.push_back("HEAD");
    drop_published(rules, repo, published, scan);
  }
  // The ref names become the upstream's branch and tag names. Each is its own
  // fragment, so that a finding's fingerprint names the pushed value.
  for (auto& u : updates) {
    bottle::secrets::StreamScanner name_scan(
        rules.scanner,
        {"the name of a pushed ref", "(ref name)", u.deletes() ? u.old_id : u.new_id});
    name_scan.feed(u.ref);
    name_scan.finish();
    scan.bytes += name_scan.bytes_scanned();
    for (auto& f : name_scan.take_findings()) {
      u.redacted_name = f.excerpt;
      if (!rules.accepts(f)) scan.findings.push_back(std::move(f));
    }
  }
  return scan;
}

std::string rejection_message(const std::vector<Finding>& findings) {
  std::string m = "git-gate: push rejected: " + std::to_string(findings.size()) +
                  (findings.size() == 1 ? " secret" : " secrets") +
                  " found in what the push carries. Nothing was sent upstream.\n";
  for (std::size_t i = 0; i < findings.size() && i < kFindingsShown; ++i) {
    const auto& f = findings[i];
    m += "\n  " + f.rule_id + " (" + f.description + ")\n";
    m += "    " + where(f) + "\n";
    m += "    excerpt: " + f.excerpt + "\n";
    m += "    fingerprint: " + f.fingerprint() + "\n";
  }
  if (findings.size() > kFindingsShown) {
    m += "\n  ... and " + std::to_string(findings.size() - kFindingsShown) + " more\n";
  }
  m += "\nRemove the secret from every commit, tag and name that carries it (git rebase -i, edit,\n"
       "commit --amend), then push again; a secret that has left your machine should also be\n"
       "rotated. If a finding is not a secret, the operator can accept its fingerprint.\n";
  return m;
}

int run_pre_receive(const GateConfig& cfg, const GateRules& rules, const std::string& repo,
                    std::istream& in, std::ostream& out) {
  const GateUpstream* upstream = upstream_of_repository(cfg, repo);
  if (!upstream) {
    out << "git-gate: " << repo << " is not a repository of this bottle\n";
    return 1;
  }
  PushDecision decision;
  decision.repository = upstream->name;
  decision.updates = parse_ref_updates(in);
  auto block = [&](const std::string& reason, const std::string& message) {
    decision.reason = reason;
    out << message;
    write_decision_line(decision);
    return 1;
  };
  if (const std::string refused = refused_ref(decision.updates); !refused.empty()) {
    return block("replace ref", refused);
  }
  // One writer of the gate's refs: no fetch moves them while this push is scanned,
  // forwarded and, after this hook, recorded by receive-pack.
  RepositoryLock lock(repo);
  try {
    for (auto& u : decision.updates) {
      if (!u.creates() && !u.deletes()) u.forced = !is_ancestor(repo, u.old_id, u.new_id);
    }
    const ObjectScan scan = scan_push(rules, repo, decision.updates);
    decision.objects = scan.objects;
    decision.bytes = scan.bytes;
    decision.findings = scan.findings.size();
    for (const auto& f : scan.findings) decision.rules.push_back(f.rule_id);
    if (!scan.findings.empty()) return block("secrets found", rejection_message(scan.findings));
  } catch (const std::exception& e) {
    return block(
        "the scan could not run",
        std::string("git-gate: push rejected: the scan could not run (") + e.what() + ")\n");
  }
  // The pushed objects are still in quarantine and this git reads them there;
  // but a receive-pack that git starts locally (file:// upstreams) would
  // inherit the marker and refuse to update its own refs.
  std::vector<std::string> argv = {"env", "-u", "GIT_QUARANTINE_PATH"};
  const auto git = git_in(repo, {"push", "--atomic"});
  argv.insert(argv.end(), git.begin(), git.end());
  for (const auto& u : decision.updates) {
    // A forced update is forced upstream too, but only over what the agent
    // saw there: the upstream still decides (a protected branch refuses it).
    if (u.forced) argv.push_back("--force-with-lease=" + u.ref + ":" + u.old_id);
  }
  argv.push_back(upstream->url);
  for (const auto& u : decision.updates) argv.push_back(u.refspec());
  out << "git-gate: no secrets found; pushing to " << upstream->url << "\n";
  out.flush();
  const auto r = bottle::run_captured(argv, upstream_environment(*upstream));
  out << r.out << r.err;
  decision.allowed = true;
  if (!r.ok()) {
    decision.upstream = "refused";
    out << "git-gate: the upstream refused the push (above); the gate's refs are unchanged\n";
    write_decision_line(decision);
    return 1;
  }
  decision.upstream = "accepted";
  if (!lock.hold_until_exit_of(::getppid())) {
    out << "git-gate: warning: cannot hold the repository's lock past this hook; a fetch now "
           "could make this push look failed although the upstream took it\n";
  }
  out << "git-gate: the upstream accepted the push\n";
  write_decision_line(decision);
  return 0;
}

}  // namespace git_gate
