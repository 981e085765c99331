#include "bottle/proposals/proposal.hpp"

#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>

#include "bottle/config/config_error.hpp"
#include "bottle/config/hostname_rules.hpp"

namespace bottle::proposals {

using bottle::config::ConfigError;
using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& what) { throw ConfigError(what); }

void check_keys(const json& object, const std::string& what, const std::set<std::string>& known) {
  if (!object.is_object()) fail(what + " must be an object");
  for (const auto& [key, value] : object.items()) {
    if (!known.count(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      fail(what + ": unknown key '" + key + "' (known: " + list + ")");
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

// A string an agent wrote, shown for errors with anything unprintable escaped.
std::string shown(const json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text.size() > 80) text = text.substr(0, 80) + "…";
  return json(text).dump();
}

std::string checked_host(const json& value, const std::string& what,
                         bottle::config::Wildcards wildcards) {
  if (!value.is_string()) fail(what + ": " + shown(value) + " is not a string");
  const std::string host = value.get<std::string>();
  if (auto problem = bottle::config::hostname_problem(host, wildcards)) {
    fail(what + ": host " + shown(value) + " " + *problem);
  }
  return bottle::config::normalize_hostname(host);
}

std::vector<std::string> hosts_at(const json& args, const char* key) {
  std::vector<std::string> hosts;
  const std::string what = key;
  for (const json& item : list_at(args, key, "allowlist change")) {
    std::string host = checked_host(item, what, bottle::config::Wildcards::kAllowed);
    if (std::find(hosts.begin(), hosts.end(), host) != hosts.end()) {
      fail("allowlist change: '" + std::string(key) + "' names " + host + " twice");
    }
    hosts.push_back(std::move(host));
  }
  return hosts;
}

// The route parser reads YAML; a route given as JSON is handed to it as the
// equivalent mapping, so both spellings pass exactly the same checks.
bottle::config::Route route_from_json(const json& value, std::size_t index) {
  const std::string what = "route " + std::to_string(index + 1);
  if (!value.is_object()) fail("routes change: " + what + " must be an object");
  YAML::Node node(YAML::NodeType::Map);
  for (const auto& [key, field] : value.items()) {
    if (!field.is_string()) fail("routes change: " + what + ": '" + key + "' must be a string");
    node[key] = field.get<std::string>();
  }
  return bottle::config::parse_route(bottle::config::YamlContext("routes change", what), node,
                                     bottle::config::UnknownKeys::kRefuse);
}

RouteRemoval removal_from_json(const json& value, std::size_t index) {
  const std::string what = "routes change: removal " + std::to_string(index + 1);
  check_keys(value, what, {"host", "path_prefix"});
  if (!value.contains("host")) fail(what + ": 'host' is required");
  RouteRemoval removal;
  removal.host = checked_host(value.at("host"), what, bottle::config::Wildcards::kRefused);
  if (value.contains("path_prefix")) {
    const json& prefix = value.at("path_prefix");
    if (!prefix.is_string() || !prefix.get<std::string>().starts_with('/')) {
      fail(what + ": path_prefix " + shown(prefix) + " must be a string starting with '/'");
    }
    removal.path_prefix = prefix.get<std::string>();
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

std::vector<std::string> Proposal::summary() const {
  std::vector<std::string> lines;
  if (const auto* a = std::get_if<AllowlistChange>(&change)) {
    for (const auto& h : a->add) lines.push_back("+ allow " + h);
    for (const auto& h : a->remove) lines.push_back("- allow " + h);
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

std::string checked_reason(const json& value) {
  if (!value.is_string()) fail("reason must be a string");
  const std::string reason = value.get<std::string>();
  if (reason.find_first_not_of(" \t\n") == std::string::npos) {
    fail("reason is empty: say what the change is for");
  }
  if (reason.size() > kMaxReasonBytes) {
    fail("reason is " + std::to_string(reason.size()) + " bytes (at most " +
         std::to_string(kMaxReasonBytes) + ")");
  }
  for (unsigned char c : reason) {
    // The operator reads this in a terminal: no escape sequences.
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      fail("reason contains a control character");
    }
  }
  return reason;
}

json to_json(const Proposal& p) {
  json doc = {{"id", p.id},
              {"created", p.created},
              {"kind", p.kind()},
              {"reason", p.reason},
              {"state", state_name(p.state)}};
  if (const auto* a = std::get_if<AllowlistChange>(&p.change)) {
    doc["change"] = {{"add", a->add}, {"remove", a->remove}};
  } else {
    const auto& r = std::get<RouteChange>(p.change);
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
    doc["change"] = {{"add", add}, {"remove", remove}};
  }
  if (p.state != State::kPending) {
    doc["decided_at"] = p.decided_at;
    doc["decided_by"] = p.decided_by;
    doc["comment"] = p.comment;
  }
  return doc;
}

Proposal proposal_from_json(const json& doc, const std::string& source) {
  try {
    check_keys(doc, source,
               {"id", "created", "kind", "reason", "state", "change", "decided_at", "decided_by",
                "comment"});
    Proposal p;
    p.id = string_at(doc, "id", source);
    if (!valid_proposal_id(p.id)) fail(source + ": id " + shown(p.id) + " is not a proposal id");
    p.created = string_at(doc, "created", source);
    p.reason = checked_reason(doc.contains("reason") ? doc.at("reason") : json());
    const std::string kind = string_at(doc, "kind", source);
    if (!doc.contains("change")) fail(source + ": 'change' is missing");
    const json& change = doc.at("change");
    if (kind == "allowlist") {
      check_keys(change, "change", {"add", "remove"});
      p.change = allowlist_change_from_json(change);
    } else if (kind == "routes") {
      check_keys(change, "change", {"add", "remove"});
      p.change = route_change_from_json(change);
    } else {
      fail(source + ": kind " + shown(kind) + " is neither allowlist nor routes");
    }
    const std::string state = string_at(doc, "state", source);
    if (state == "pending") {
      p.state = State::kPending;
    } else if (state == "approved") {
      p.state = State::kApproved;
    } else if (state == "rejected") {
      p.state = State::kRejected;
    } else {
      fail(source + ": state " + shown(state) + " is not pending, approved or rejected");
    }
    p.decided_at = string_at(doc, "decided_at", source, false);
    p.decided_by = string_at(doc, "decided_by", source, false);
    p.comment = string_at(doc, "comment", source, false);
    return p;
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    if (what.starts_with(source)) throw;
    throw ConfigError(source + ": " + what);
  }
}

bool valid_proposal_id(const std::string& id) {
  static const std::regex pattern(kIdPattern);
  return std::regex_match(id, pattern);
}

}  // namespace bottle::proposals
