#include "bottle/proposals/proposal.hpp"

#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>

#include "bottle/config/config_error.hpp"
#include "bottle/config/hostname_rules.hpp"
#include "bottle/proposals/upstream_rules.hpp"
#include "bottle/text/join.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/text/utf8.hpp"

namespace bottle::proposals {

using bottle::config::ConfigError;
using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& what) { throw ConfigError(what); }

void check_keys(const json& object, const std::string& what, const std::set<std::string>& known) {
  if (!object.is_object()) fail(what + " must be an object");
  for (const auto& [key, value] : object.items()) {
    if (!known.count(key)) {
      fail(what + ": unknown key " + shown(key) + " (known: " + bottle::text::join(known, ", ") +
           ")");
    }
  }
}

const json& list_at(const json& object, const char* key, const std::string& what) {
  static const json kEmpty = json::array();
  if (!object.contains(key)) return kEmpty;
  const json& list = object.at(key);
  if (!list.is_array()) fail(what + ": '" + key + "' must be a list");
  if (list.size() > kMaxItems) {
    fail(what + ": '" + key + "' has " + std::to_string(list.size()) + " items (at most " +
         std::to_string(kMaxItems) + ")");
  }
  return list;
}

bool visible_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

// A value an agent wrote, quoted for an error: a string as shown() quotes it,
// anything else by its type (its JSON text could be as large as the body).
std::string shown_value(const json& value) {
  return value.is_string() ? shown(value.get_ref<const std::string&>()) : value.type_name();
}

// Hosts being added must also name one public site; a host being removed
// only has to be a host (whatever the operator allowed may be taken away).
enum class Adding { kYes, kNo };

std::string checked_host(const json& value, const std::string& what,
                         bottle::config::Wildcards wildcards, Adding adding) {
  if (!value.is_string()) fail(what + ": a " + shown_value(value) + " is not a string");
  const std::string& host = value.get_ref<const std::string&>();
  if (auto problem = bottle::config::hostname_problem(host, wildcards)) {
    fail(what + ": host " + shown(host) + " " + *problem);
  }
  if (adding == Adding::kYes) {
    if (auto problem = bottle::config::public_site_problem(host)) {
      fail(what + ": host " + shown(host) + " " + *problem);
    }
  }
  return bottle::config::normalize_hostname(host);
}

std::vector<std::string> hosts_at(const json& args, const char* key) {
  std::vector<std::string> hosts;
  const std::string what = key;
  const Adding adding = what == "add" ? Adding::kYes : Adding::kNo;
  for (const json& item : list_at(args, key, "allowlist change")) {
    std::string host = checked_host(item, what, bottle::config::Wildcards::kAllowed, adding);
    if (std::find(hosts.begin(), hosts.end(), host) != hosts.end()) {
      fail("allowlist change: '" + std::string(key) + "' names " + host + " twice");
    }
    hosts.push_back(std::move(host));
  }
  return hosts;
}

// The route parser reads YAML; a route given as JSON is handed to it as the
// equivalent mapping, so both spellings pass exactly the same checks. Then
// the rules for what an agent may propose, which the operator's own routes
// need not meet: the upstream in its one strict form, hosts that name one
// public site, bounded and printable values.
bottle::config::Route route_from_json(const json& value, std::size_t index) {
  const std::string what = "routes change: route " + std::to_string(index + 1);
  if (!value.is_object()) fail(what + " must be an object");
  YAML::Node node(YAML::NodeType::Map);
  for (const auto& [key, field] : value.items()) {
    if (!field.is_string()) fail(what + ": " + shown(key) + " must be a string");
    node[key] = field.get<std::string>();
  }
  // Checked first, so that its error is the strict one, whatever else is wrong.
  if (value.contains("upstream")) {
    const std::string& upstream = value.at("upstream").get_ref<const std::string&>();
    if (auto problem = upstream_problem(upstream)) {
      fail(what + ": upstream " + shown(upstream) + " " + *problem);
    }
  }
  bottle::config::Route route;
  try {
    route = bottle::config::parse_route(
        bottle::config::YamlContext("routes change", "route " + std::to_string(index + 1)), node,
        bottle::config::UnknownKeys::kRefuse);
  } catch (const ConfigError& e) {
    // The route parser quotes values as they are; this text reaches a terminal.
    fail(bottle::text::escape_for_terminal(bottle::text::truncate_utf8(e.what(), 600)));
  }
  if (auto problem = bottle::config::public_site_problem(route.host)) {
    fail(what + ": host " + shown(route.host) + " " + *problem);
  }
  if (route.path_prefix.size() > kMaxPathPrefixBytes) {
    fail(what + ": path_prefix is longer than " + std::to_string(kMaxPathPrefixBytes) + " bytes");
  }
  if (route.header.size() > kMaxHeaderNameBytes) {
    fail(what + ": header is longer than " + std::to_string(kMaxHeaderNameBytes) + " bytes");
  }
  if (route.value.size() > kMaxHeaderValueBytes ||
      !std::all_of(route.value.begin(), route.value.end(),
                   [](unsigned char c) { return c >= 0x20 && c < 0x7f; })) {
    fail(what + ": value " + shown(route.value) + " must be at most " +
         std::to_string(kMaxHeaderValueBytes) + " bytes of printable ASCII");
  }
  return route;
}

RouteRemoval removal_from_json(const json& value, std::size_t index) {
  const std::string what = "routes change: removal " + std::to_string(index + 1);
  check_keys(value, what, {"host", "path_prefix"});
  if (!value.contains("host")) fail(what + ": 'host' is required");
  RouteRemoval removal;
  removal.host =
      checked_host(value.at("host"), what, bottle::config::Wildcards::kRefused, Adding::kNo);
  if (value.contains("path_prefix")) {
    const json& prefix = value.at("path_prefix");
    const std::string* text = prefix.is_string() ? &prefix.get_ref<const std::string&>() : nullptr;
    if (!text || !text->starts_with('/') || text->size() > kMaxPathPrefixBytes ||
        !visible_ascii(*text)) {
      fail(what + ": path_prefix " + shown_value(prefix) +
           " must be a path starting with '/' (at most " + std::to_string(kMaxPathPrefixBytes) +
           " bytes of visible ASCII)");
    }
    removal.path_prefix = *text;
  }
  return removal;
}

const char* kIdPattern = "p-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}";

std::string string_at(const json& doc, const char* key, const std::string& source,
                      bool required = true) {
  if (!doc.contains(key)) {
    if (required) fail(source + ": '" + key + "' is missing");
    return {};
  }
  if (!doc.at(key).is_string()) fail(source + ": '" + key + "' must be a string");
  return doc.at(key).get<std::string>();
}

// An approver skimming "+ allow *.example.com" may read one host; say it is not.
std::string wildcard_note(const std::string& host) {
  if (!host.starts_with("*.")) return "";
  return "   [WILDCARD: " + host.substr(2) + " and every name under it]";
}

}  // namespace

std::string state_name(State state) {
  switch (state) {
    case State::kPending:
      return "pending";
    case State::kApproved:
      return "approved";
    case State::kRejected:
      return "rejected";
  }
  return "pending";
}

std::string Proposal::kind() const {
  return std::holds_alternative<AllowlistChange>(change) ? "allowlist" : "routes";
}

std::vector<std::string> summary_of(const Change& change) {
  std::vector<std::string> lines;
  if (const auto* a = std::get_if<AllowlistChange>(&change)) {
    for (const auto& h : a->add) lines.push_back("+ allow " + h + wildcard_note(h));
    for (const auto& h : a->remove) lines.push_back("- allow " + h + wildcard_note(h));
  } else {
    const auto& r = std::get<RouteChange>(change);
    for (const auto& route : r.add) lines.push_back("+ route " + route.summary());
    for (const auto& removal : r.remove) {
      lines.push_back(
          "- route " + removal.host +
          (removal.path_prefix ? *removal.path_prefix : std::string(" (every prefix)")));
    }
  }
  return lines;
}

std::vector<std::string> Proposal::summary() const { return summary_of(change); }

AllowlistChange allowlist_change_from_json(const json& args) {
  AllowlistChange change;
  change.add = hosts_at(args, "add");
  change.remove = hosts_at(args, "remove");
  if (change.add.empty() && change.remove.empty()) {
    fail("allowlist change: give at least one host to 'add' or 'remove'");
  }
  for (const auto& host : change.add) {
    if (std::find(change.remove.begin(), change.remove.end(), host) != change.remove.end()) {
      fail("allowlist change: " + host + " is both added and removed");
    }
  }
  return change;
}

RouteChange route_change_from_json(const json& args) {
  RouteChange change;
  const json& add = list_at(args, "add", "routes change");
  for (std::size_t i = 0; i < add.size(); ++i) {
    auto route = route_from_json(add[i], i);
    for (const auto& other : change.add) {
      if (other.key() == route.key()) fail("routes change: two routes for " + route.key());
    }
    change.add.push_back(std::move(route));
  }
  const json& remove = list_at(args, "remove", "routes change");
  for (std::size_t i = 0; i < remove.size(); ++i) {
    change.remove.push_back(removal_from_json(remove[i], i));
  }
  if (change.add.empty() && change.remove.empty()) {
    fail("routes change: give at least one route to 'add' or 'remove'");
  }
  return change;
}

json change_to_json(const Change& change) {
  if (const auto* a = std::get_if<AllowlistChange>(&change)) {
    return {{"add", a->add}, {"remove", a->remove}};
  }
  const auto& r = std::get<RouteChange>(change);
  json add = json::array();
  for (const auto& route : r.add) {
    add.push_back({{"host", route.host},
                   {"path_prefix", route.path_prefix},
                   {"upstream", route.upstream},
                   {"header", route.header},
                   {"value", route.value},
                   {"token_env", route.token_env}});
  }
  json remove = json::array();
  for (const auto& removal : r.remove) {
    json item = {{"host", removal.host}};
    if (removal.path_prefix) item["path_prefix"] = *removal.path_prefix;
    remove.push_back(item);
  }
  return {{"add", add}, {"remove", remove}};
}

Change change_from_json(const std::string& kind, const json& change, const std::string& what) {
  check_keys(change, what, {"add", "remove"});
  if (kind == "allowlist") return allowlist_change_from_json(change);
  if (kind == "routes") return route_change_from_json(change);
  fail("kind " + shown(kind) + " is neither allowlist nor routes");
}

json to_json(const Proposal& p) {
  json doc = {{"id", p.id},
              {"created", p.created},
              {"kind", p.kind()},
              {"reason", p.reason},
              {"state", state_name(p.state)}};
  doc["change"] = change_to_json(p.change);
  if (p.applied) doc["applied"] = change_to_json(*p.applied);
  if (p.state != State::kPending) {
    doc["decided_at"] = p.decided_at;
    doc["decided_by"] = p.decided_by;
    doc["comment"] = p.comment;
  }
  return doc;
}

Proposal proposal_from_json(const json& doc, const std::string& source) {
  const std::string where = bottle::text::escape_for_terminal(source);
  try {
    check_keys(doc, where,
               {"id", "created", "kind", "reason", "state", "change", "decided_at", "decided_by",
                "comment", "applied"});
    Proposal p;
    p.id = string_at(doc, "id", where);
    if (!valid_proposal_id(p.id)) fail("id " + shown(p.id) + " is not a proposal id");
    p.created = checked_timestamp(doc.contains("created") ? doc.at("created") : json(), "created");
    p.reason = checked_reason(doc.contains("reason") ? doc.at("reason") : json());
    const std::string kind = string_at(doc, "kind", where);
    if (!doc.contains("change")) fail("'change' is missing");
    const json& change = doc.at("change");
    if (kind != "allowlist" && kind != "routes") {
      fail("kind " + shown(kind) + " is neither allowlist nor routes");
    }
    p.change = change_from_json(kind, change, "change");
    const std::string state = string_at(doc, "state", where);
    if (state == "pending") {
      p.state = State::kPending;
    } else if (state == "approved") {
      p.state = State::kApproved;
    } else if (state == "rejected") {
      p.state = State::kRejected;
    } else {
      fail("state " + shown(state) + " is not pending, approved or rejected");
    }
    // A decision has a time and an operator; a pending proposal has neither.
    const bool decided = p.state != State::kPending;
    for (const char* key : {"decided_at", "decided_by", "comment"}) {
      if (doc.contains(key) != decided) {
        fail(std::string("'") + key +
             (decided ? "' is missing from a decided proposal" : "' is set on a pending proposal"));
      }
    }
    if (doc.contains("applied")) {
      if (p.state != State::kApproved) fail("'applied' is set on a proposal not approved");
      // The applied change is read by the same rules.
      p.applied = change_from_json(kind, doc.at("applied"), "applied");
    }
    if (decided) {
      p.decided_at = checked_timestamp(doc.at("decided_at"), "decided_at");
      p.decided_by = checked_operator(doc.at("decided_by"));
      p.comment = checked_comment(doc.at("comment"));
    }
    return p;
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    if (what.starts_with(where)) throw;
    throw ConfigError(where + ": " + what);
  } catch (const std::exception& e) {
    // Whatever the checks above missed still names the file, and stops at it.
    throw ConfigError(
        where + ": not a proposal: " +
        bottle::text::escape_for_terminal(bottle::text::truncate_utf8(e.what(), 200)));
  }
}

bool valid_proposal_id(const std::string& id) {
  static const std::regex pattern(kIdPattern);
  return std::regex_match(id, pattern);
}

}  // namespace bottle::proposals
