#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bottle/config/route.hpp"
#include "bottle/proposals/field_rules.hpp"

// A change the agent asks for through supervise and the operator decides on
// the host. The agent writes every byte of it, so both sides read it with the
// same strict rules: the hostname and route rules of the host tool, and on top
// of them the rules for what an agent may propose (public_site_problem for
// every host added, upstream_problem for every upstream), no unknown keys,
// bounded sizes, nothing a terminal obeys in any field.
namespace bottle::proposals {

struct AllowlistChange {
  std::vector<std::string> add;
  std::vector<std::string> remove;
};

struct RouteRemoval {
  std::string host;
  std::optional<std::string> path_prefix;  // all the host's routes when unset
};

struct RouteChange {
  std::vector<bottle::config::Route> add;
  std::vector<RouteRemoval> remove;
};

enum class State { kPending, kApproved, kRejected };
std::string state_name(State state);

using Change = std::variant<AllowlistChange, RouteChange>;
// One line per item of a change: "+ allow host", "- allow host", "+ route
// ...", a wildcard marked as one in plain words.
std::vector<std::string> summary_of(const Change& change);
// {"add": [...], "remove": [...]} in the form the file holds.
nlohmann::json change_to_json(const Change& change);
// The reverse, for a proposal of `kind` ("allowlist" or "routes"), by the
// rules for what an agent may propose; `what` names it in an error.
Change change_from_json(const std::string& kind, const nlohmann::json& change,
                        const std::string& what);

struct Proposal {
  std::string id;
  std::string created;  // UTC, ISO 8601
  std::string reason;
  Change change;  // as the agent proposed it
  State state = State::kPending;
  // Approved with an edit: what was applied instead (the same kind). The
  // audit line says so too.
  std::optional<Change> applied;
  // Set once decided.
  std::string decided_at;
  std::string decided_by;
  std::string comment;

  // "allowlist" or "routes".
  std::string kind() const;
  // summary_of(change).
  std::vector<std::string> summary() const;
};

// Bounds on what an agent may write (the reason's is in field_rules.hpp).
constexpr std::size_t kMaxItems = 50;
constexpr std::size_t kMaxPathPrefixBytes = 256;
constexpr std::size_t kMaxHeaderNameBytes = 64;
constexpr std::size_t kMaxHeaderValueBytes = 256;

// Checks and normalises an allowlist change given as {"add": [...], "remove": [...]}
// (either may be missing, not both empty). Throws ConfigError naming the value.
AllowlistChange allowlist_change_from_json(const nlohmann::json& args);
// {"add": [route...], "remove": [{"host", "path_prefix"?}...]}; routes checked
// by the same parser as routes.yaml.
RouteChange route_change_from_json(const nlohmann::json& args);
nlohmann::json to_json(const Proposal& proposal);
// Checks every field, as the agent's proposal was checked and as the host
// tool writes a decision. Throws ConfigError naming `source` and what is
// wrong, with any text it quotes escaped for a terminal; never anything else.
Proposal proposal_from_json(const nlohmann::json& doc, const std::string& source);

// Whether `id` has the form proposals are given ("p-20261122-103000-1a2b3c"),
// which also keeps it a plain file name.
bool valid_proposal_id(const std::string& id);

}  // namespace bottle::proposals
