#include "proposal_commands.hpp"

#include <iomanip>
#include <ostream>
#include <set>

#include "apply_lock.hpp"
#include "bottle/config/atomic_file.hpp"
#include "bottle/config/config_error.hpp"
#include "bottle/json/safe_json.hpp"
#include "bottle/proposals/proposal_store.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/utc_time.hpp"
#include "config_change.hpp"
#include "editor.hpp"
#include "live_change_commands.hpp"
#include "live_edits.hpp"
#include "routes_document.hpp"

namespace host_tools {

using bottle::config::ConfigError;
using bottle::proposals::AllowlistChange;
using bottle::proposals::Proposal;
using bottle::proposals::ProposalStore;
using bottle::proposals::RouteChange;
using bottle::proposals::State;

namespace {

// Every field of a proposal reaches the operator's terminal through this: the
// reader refuses what a terminal would obey, and this is the second lock.
std::string safe(std::string_view text) { return bottle::text::escape_for_terminal(text); }

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
                      " at " + safe(p.decided_at) + " by " + safe(p.decided_by) +
                      "; nothing to do");
  }
}

// The tokens a route may take: those the bundle was given at start, and those
// live routes already use (as edit_routes judges it).
std::set<std::string> usable_tokens(const BottlePaths& paths) {
  auto tokens = bundle_tokens(paths);
  const std::string source = paths.routes_config().string();
  const auto live = RoutesDocument::parse(bottle::config::read_file(source), source);
  for (const auto& r : live.routes()) tokens.insert(r.token_env);
  return tokens;
}

// Routes send a token to their upstream: the operator must see where each of
// theirs would go before approving, and see no such promise for a token the
// bundle does not have (approving that one is refused).
void token_notes(const Proposal& p, const std::set<std::string>& tokens, std::ostream& out) {
  const auto* routes = std::get_if<RouteChange>(&p.change);
  if (!routes) return;
  for (const auto& r : routes->add) {
    if (tokens.count(r.token_env)) {
      out << "  note: approving sends the value of $" << safe(r.token_env) << " to "
          << safe(r.upstream) << " on every request for " << safe(r.host) << safe(r.path_prefix)
          << "\n";
    } else {
      out << "  note: this bottle's bundle was not given $" << safe(r.token_env)
          << ", so approving is refused (restart the bottle with it to add this route)\n";
    }
  }
}

void require_tokens(const Proposal& p, const std::set<std::string>& tokens) {
  const auto* routes = std::get_if<RouteChange>(&p.change);
  if (!routes) return;
  for (const auto& r : routes->add) {
    if (!tokens.count(r.token_env)) {
      throw ConfigError("proposal " + p.id + ": route " + safe(r.key()) +
                        " takes its token from $" + safe(r.token_env) +
                        ", which this bottle's bundle was not given at start; nothing was "
                        "changed (reject it, or restart the bottle with that token)");
    }
  }
}

// Text that may span lines (a reason, a comment), one quoted line each.
void quoted_lines(const std::string& text, std::ostream& out) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out << "  | " << safe(std::string_view(text).substr(start, end - start)) << "\n";
    start = end + 1;
  }
}

void record_decision(const BottlePaths& paths, Proposal p, State state,
                     const std::string& comment) {
  p.state = state;
  p.decided_at = bottle::utc_timestamp();
  // Written in the form the reader accepts, whatever $USER holds.
  p.decided_by = bottle::proposals::recordable_operator(operator_name());
  p.comment = comment;
  store_of(paths).save(p);
}

// The agent reads the comment; keep it to what a reason may hold.
void check_comment(const std::string& comment) {
  try {
    bottle::proposals::checked_comment(comment);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("--comment: ") + e.what());
  }
}

}  // namespace

void proposals_list(const BottlePaths& paths, std::ostream& out) {
  bool any = false;
  // A page at a time: the folder may hold many files, and one that cannot be
  // read is listed as such without hiding the others.
  store_of(paths).for_each([&](const bottle::proposals::ListedProposal& entry) {
    any = true;
    if (!entry.proposal) {
      out << std::left << std::setw(26) << entry.id << "unreadable: " << safe(entry.problem)
          << "\n";
      return;
    }
    const Proposal& p = *entry.proposal;
    const auto lines = p.summary();
    std::string first = lines.empty() ? "" : lines.front();
    if (lines.size() > 1) first += " (+" + std::to_string(lines.size() - 1) + " more)";
    out << std::left << std::setw(26) << p.id << std::setw(10)
        << bottle::proposals::state_name(p.state) << std::setw(11) << p.kind() << safe(first)
        << "\n";
  });
  if (!any) out << "bottle " << paths.slug() << ": no proposals\n";
}

void proposals_show(const BottlePaths& paths, const std::string& id, std::ostream& out) {
  const Proposal p = proposal_or_fail(paths, id);
  out << "proposal " << p.id << " (" << p.kind() << "), made " << safe(p.created) << "\n"
      << "state: " << bottle::proposals::state_name(p.state);
  if (p.state != State::kPending)
    out << " at " << safe(p.decided_at) << " by " << safe(p.decided_by);
  out << "\n";
  if (!p.comment.empty()) {
    out << "comment:\n";
    quoted_lines(p.comment, out);
  }
  out << "change:\n";
  for (const auto& line : p.summary()) out << "  " << safe(line) << "\n";
  if (p.applied) {
    out << "applied instead (the operator's edit):\n";
    for (const auto& line : bottle::proposals::summary_of(*p.applied)) {
      out << "  " << safe(line) << "\n";
    }
  }
  std::set<std::string> tokens;
  try {
    tokens = usable_tokens(paths);
  } catch (const std::exception&) {
    // Unreadable live routes: every route is shown as one that cannot be approved yet.
  }
  token_notes(p, tokens, out);
  out << "reason given by the agent:\n";
  quoted_lines(p.reason, out);
}

void proposals_approve(const BottlePaths& paths, const std::string& id, const std::string& comment,
                       const DockerCli& docker, std::ostream& out, const Proposal* shown,
                       const bottle::proposals::Change* edited) {
  check_comment(comment);
  Proposal p = proposal_or_fail(paths, id);
  require_pending(p);
  if (edited && edited->index() != p.change.index()) {
    throw ConfigError("proposal " + p.id + ": an edit may not change the kind of the proposal");
  }
  const bool was_edited = edited && change_to_json(*edited) != change_to_json(p.change);
  // What is applied: the edit, else the proposal. Checked as the proposal is.
  const bottle::proposals::Change to_apply = was_edited ? *edited : p.change;
  // What is applied is what the operator saw, or nothing: the folder is
  // writable inside the bundle, and a file rewritten between the screen and
  // the key must not slip another change in.
  auto require_shown = [&] {
    if (shown && to_json(p) != to_json(*shown)) {
      throw ConfigError("proposal " + p.id +
                        " changed since it was shown; nothing was changed (look at it again)");
    }
  };
  require_shown();
  Proposal applied_view = p;  // the notes and checks read the change applied
  applied_view.change = to_apply;
  if (std::holds_alternative<RouteChange>(to_apply)) {
    // Refused before any note is printed: the screen promises only what will happen.
    const auto tokens = usable_tokens(paths);
    require_tokens(applied_view, tokens);
    token_notes(applied_view, tokens, out);
  }
  ApplyContext context;
  // Another approve or reject of the same proposal may have won the lock first.
  context.precheck = [&] {
    p = proposal_or_fail(paths, id);
    require_pending(p);
    require_shown();
  };
  context.on_applied = [&] {
    if (was_edited) p.applied = to_apply;
    record_decision(paths, p, State::kApproved, comment);
  };
  context.audit = {{"proposal", p.id}, {"decision", "approved"}, {"comment", comment}};
  if (was_edited) {
    context.audit["edited"] = true;
    context.audit["proposed"] = change_to_json(p.change);
  }

  if (const auto* hosts = std::get_if<AllowlistChange>(&to_apply)) {
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
    const auto& routes = std::get<RouteChange>(to_apply);
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
  out << "proposal " << p.id << (was_edited ? ": approved with your edit\n" : ": approved\n");
}

EditedProposal edit_proposed_change(const BottlePaths& paths, const std::string& id) {
  const Proposal p = proposal_or_fail(paths, id);
  require_pending(p);
  // In the bottle's own folder, the operator's: never a shared /tmp name.
  const auto file = paths.dir() / (".edit-" + p.id + ".json");
  bottle::config::write_file_atomically(file, change_to_json(p.change).dump(2) + "\n");
  struct Remove {
    std::filesystem::path f;
    ~Remove() {
      std::error_code ec;
      std::filesystem::remove(f, ec);
    }
  } remove{file};
  run_editor(file);
  const std::string text = bottle::config::read_file(file.string());
  nlohmann::json doc;
  try {
    doc = bottle::json::parse(text, 16);
  } catch (const std::exception& e) {
    throw ConfigError(file.string() + ": not JSON: " + safe(e.what()) + "; nothing was changed");
  }
  bottle::proposals::Change edited;
  try {
    edited = bottle::proposals::change_from_json(p.kind(), doc, file.string());
  } catch (const ConfigError& e) {
    throw ConfigError(std::string(e.what()) + "; nothing was changed");
  }
  if (change_to_json(edited) == change_to_json(p.change)) return {p, std::nullopt};
  return {p, edited};
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
