#include "proposal_commands.hpp"

#include <iomanip>
#include <ostream>
#include <set>

#include "apply_lock.hpp"
#include "bottle/config/config_error.hpp"
#include "bottle/proposals/proposal_store.hpp"
#include "bottle/utc_time.hpp"
#include "config_change.hpp"
#include "live_change_commands.hpp"
#include "live_edits.hpp"

namespace host_tools {

using bottle::config::ConfigError;
using bottle::proposals::AllowlistChange;
using bottle::proposals::Proposal;
using bottle::proposals::ProposalStore;
using bottle::proposals::RouteChange;
using bottle::proposals::State;

namespace {

ProposalStore store_of(const BottlePaths& paths) { return ProposalStore(paths.proposals_dir()); }

Proposal proposal_or_fail(const BottlePaths& paths, const std::string& id) {
  auto p = store_of(paths).find(id);
  if (!p) {
    throw ConfigError("bottle " + paths.slug() + " has no proposal " + id +
                      " (see `bottle proposals list " + paths.slug() + "`)");
  }
  return *p;
}

void require_pending(const Proposal& p) {
  if (p.state != State::kPending) {
    throw ConfigError("proposal " + p.id + " was " + bottle::proposals::state_name(p.state) +
                      " at " + p.decided_at + " by " + p.decided_by + "; nothing to do");
  }
}

// Routes send a token to their upstream: the operator must see where each of
// theirs would go before approving.
void token_warnings(const Proposal& p, std::ostream& out) {
  const auto* routes = std::get_if<RouteChange>(&p.change);
  if (!routes) return;
  for (const auto& r : routes->add) {
    out << "  note: approving sends the value of $" << r.token_env << " to " << r.upstream
        << " on every request for " << r.host << r.path_prefix << "\n";
  }
}

void record_decision(const BottlePaths& paths, Proposal p, State state,
                     const std::string& comment) {
  p.state = state;
  p.decided_at = bottle::utc_timestamp();
  p.decided_by = operator_name();
  p.comment = comment;
  store_of(paths).save(p);
}

// The agent reads the comment; keep it to what a reason may hold.
void check_comment(const std::string& comment) {
  if (comment.empty()) return;
  try {
    bottle::proposals::checked_reason(comment);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("--comment: ") + e.what());
  }
}

}  // namespace

void proposals_list(const BottlePaths& paths, std::ostream& out) {
  std::vector<std::string> problems;
  const auto all = store_of(paths).list(&problems);
  if (all.empty()) out << "bottle " << paths.slug() << ": no proposals\n";
  for (const auto& p : all) {
    const auto lines = p.summary();
    std::string first = lines.empty() ? "" : lines.front();
    if (lines.size() > 1) first += " (+" + std::to_string(lines.size() - 1) + " more)";
    out << std::left << std::setw(26) << p.id << std::setw(10)
        << bottle::proposals::state_name(p.state) << std::setw(11) << p.kind() << first << "\n";
  }
  for (const auto& problem : problems) out << "unreadable: " << problem << "\n";
}

void proposals_show(const BottlePaths& paths, const std::string& id, std::ostream& out) {
  const Proposal p = proposal_or_fail(paths, id);
  out << "proposal " << p.id << " (" << p.kind() << "), made " << p.created << "\n"
      << "state: " << bottle::proposals::state_name(p.state);
  if (p.state != State::kPending) out << " at " << p.decided_at << " by " << p.decided_by;
  out << "\n";
  if (!p.comment.empty()) out << "comment: " << p.comment << "\n";
  out << "change:\n";
  for (const auto& line : p.summary()) out << "  " << line << "\n";
  token_warnings(p, out);
  out << "reason given by the agent:\n";
  std::string reason = p.reason;
  std::size_t start = 0;
  while (start <= reason.size()) {
    std::size_t end = reason.find('\n', start);
    if (end == std::string::npos) end = reason.size();
    out << "  | " << reason.substr(start, end - start) << "\n";
    start = end + 1;
  }
}

void proposals_approve(const BottlePaths& paths, const std::string& id, const std::string& comment,
                       const DockerCli& docker, std::ostream& out) {
  check_comment(comment);
  Proposal p = proposal_or_fail(paths, id);
  require_pending(p);
  token_warnings(p, out);
  ApplyContext context;
  // Another approve or reject of the same proposal may have won the lock first.
  context.precheck = [&] {
    p = proposal_or_fail(paths, id);
    require_pending(p);
  };
  context.on_applied = [&] { record_decision(paths, p, State::kApproved, comment); };
  context.audit = {{"proposal", p.id}, {"decision", "approved"}, {"comment", comment}};

  if (const auto* hosts = std::get_if<AllowlistChange>(&p.change)) {
    const auto config = pipelock_allowlist(paths);
    const auto add = add_hosts(hosts->add);
    const auto remove = remove_hosts(hosts->remove);
    apply_config_change(
        paths, config,
        [&](const std::string& live) {
          return edit_allowlist(live, config.file.string(), [&](const auto& current) {
            return hosts->remove.empty() ? add(current) : add(remove(current));
          });
        },
        docker, out, context);
  } else {
    const auto& routes = std::get<RouteChange>(p.change);
    const auto config = egress_routes(paths);
    const auto tokens = bundle_tokens(paths);
    apply_config_change(
        paths, config,
        [&](const std::string& live) {
          return edit_routes(live, config.file.string(), tokens, [&](RoutesDocument& doc) {
            for (const auto& removal : routes.remove) doc.remove(removal.host, removal.path_prefix);
            for (const auto& route : routes.add) doc.add(route);
          });
        },
        docker, out, context);
  }
  out << "proposal " << p.id << ": approved\n";
}

void proposals_reject(const BottlePaths& paths, const std::string& id, const std::string& comment,
                      std::ostream& out) {
  check_comment(comment);
  ApplyLock lock(paths.apply_lock(), out);
  const Proposal p = proposal_or_fail(paths, id);
  require_pending(p);
  record_decision(paths, p, State::kRejected, comment);
  append_audit(paths, {{"change", p.kind() + " proposal"},
                       {"proposal", p.id},
                       {"decision", "rejected"},
                       {"comment", comment}});
  out << "proposal " << p.id << ": rejected\n";
}

}  // namespace host_tools
