#include "supervise_tools.hpp"

#include <algorithm>

#include "bottle/config/config_error.hpp"
#include "json_rpc.hpp"

namespace supervise {

using bottle::config::ConfigError;
using bottle::proposals::Proposal;
using nlohmann::json;

namespace {

json text_result(const std::string& text, json structured) {
  return {{"content", json::array({{{"type", "text"}, {"text", text}}})},
          {"structuredContent", std::move(structured)}};
}

json error_result(const std::string& text) {
  return {{"content", json::array({{{"type", "text"}, {"text", text}}})}, {"isError", true}};
}

json object_schema(json properties, std::vector<std::string> required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}

const json kHostList = {{"type", "array"}, {"items", {{"type", "string"}}}, {"maxItems", 50}};

const json kReason = {{"type", "string"},
                      {"description",
                       "Why the agent needs this, for the operator who decides (at most 2000 "
                       "characters)."}};

json route_schema() {
  return object_schema(
      {{"host", {{"type", "string"}, {"description", "the host the agent calls egress for"}}},
       {"path_prefix", {{"type", "string"}, {"description", "only under this path (default /)"}}},
       {"upstream", {{"type", "string"}, {"description", "https://host[:port][/path]"}}},
       {"header",
        {{"type", "string"}, {"description", "header carrying the token (Authorization)"}}},
       {"value",
        {{"type", "string"}, {"description", "header value with {token} (Bearer {token})"}}},
       {"token_env",
        {{"type", "string"}, {"description", "the operator's variable holding the token"}}}},
      {"host", "upstream", "token_env"});
}

json route_json(const bottle::config::Route& r) {
  return {{"host", r.host},         {"path_prefix", r.path_prefix},
          {"upstream", r.upstream}, {"header", r.header},
          {"value", r.value},       {"token_env", r.token_env}};
}

json proposal_state(const Proposal& p) {
  json out = {{"id", p.id},
              {"kind", p.kind()},
              {"state", bottle::proposals::state_name(p.state)},
              {"created", p.created},
              {"change", p.summary()},
              {"reason", p.reason}};
  if (p.state != bottle::proposals::State::kPending) {
    out["decided_at"] = p.decided_at;
    out["comment"] = p.comment;
  }
  return out;
}

std::string describe_state(const Proposal& p) {
  std::string text =
      "proposal " + p.id + " (" + p.kind() + "): " + bottle::proposals::state_name(p.state);
  if (p.state != bottle::proposals::State::kPending) {
    text += " at " + p.decided_at;
    if (!p.comment.empty()) text += "; the operator's comment: " + p.comment;
  }
  for (const auto& line : p.summary()) text += "\n  " + line;
  return text;
}

// Both propose_* tools take add, remove and reason: the reason goes into `p`,
// the rest is the change, for the shared proposal rules.
json proposal_change(const json& args, Proposal& p) {
  for (const auto& [key, value] : args.items()) {
    if (key != "add" && key != "remove" && key != "reason") {
      throw ConfigError("unknown argument '" + key + "' (known: add, remove, reason)");
    }
  }
  p.reason = bottle::proposals::checked_reason(args.value("reason", json()));
  json change = args;
  change.erase("reason");
  return change;
}

}  // namespace

json SuperviseTools::list() const {
  return json::array({
      {{"name", "get_allowlist"},
       {"title", "Read the allowlist"},
       {"description",
        "The hosts this bottle's proxy (pipelock) lets the agent reach, as it runs now. "
        "'*.example.com' covers the subdomains and example.com itself."},
       {"inputSchema", object_schema(json::object(), {})}},
      {{"name", "get_routes"},
       {"title", "Read the egress routes"},
       {"description",
        "The egress routes, as they run now: a request to http://egress:8080/<host>/<path> "
        "goes to the route's upstream with the operator's token in the route's header. Tokens "
        "are never shown."},
       {"inputSchema", object_schema(json::object(), {})}},
      {{"name", "propose_allowlist_change"},
       {"title", "Ask for hosts to be allowed or removed"},
       {"description",
        "Asks the operator to add hosts to the allowlist or remove them. The proposal is checked "
        "now with the operator's own rules and then waits for the operator's decision; poll "
        "get_proposal with the returned id."},
       {"inputSchema",
        object_schema({{"add", kHostList}, {"remove", kHostList}, {"reason", kReason}},
                      {"reason"})}},
      {{"name", "propose_route_change"},
       {"title", "Ask for an egress route to be added or removed"},
       {"description",
        "Asks the operator to add egress routes (a host whose requests get a token injected) or "
        "remove them. The token must be one the operator already gave this bottle. Poll "
        "get_proposal with the returned id."},
       {"inputSchema",
        object_schema({{"add", {{"type", "array"}, {"items", route_schema()}, {"maxItems", 50}}},
                       {"remove",
                        {{"type", "array"},
                         {"items", object_schema({{"host", {{"type", "string"}}},
                                                  {"path_prefix", {{"type", "string"}}}},
                                                 {"host"})},
                         {"maxItems", 50}}},
                       {"reason", kReason}},
                      {"reason"})}},
      {{"name", "get_proposal"},
       {"title", "Read a proposal's state"},
       {"description",
        "A proposal's state: pending, approved (the change is live), or rejected (with the "
        "operator's comment)."},
       {"inputSchema", object_schema({{"id", {{"type", "string"}}}}, {"id"})}},
      {{"name", "list_proposals"},
       {"title", "List proposals"},
       {"description", "Every proposal made in this bottle, oldest first, with its state."},
       {"inputSchema", object_schema(json::object(), {})}},
  });
}

json SuperviseTools::call(const std::string& name, const json& arguments) const {
  if (!arguments.is_object()) {
    throw jsonrpc::RpcError(jsonrpc::kInvalidParams, "arguments must be an object");
  }
  try {
    if (name == "get_allowlist") return get_allowlist();
    if (name == "get_routes") return get_routes();
    if (name == "propose_allowlist_change") return propose_allowlist_change(arguments);
    if (name == "propose_route_change") return propose_route_change(arguments);
    if (name == "get_proposal") return get_proposal(arguments);
    if (name == "list_proposals") return list_proposals();
  } catch (const ConfigError& e) {
    return error_result(e.what());
  } catch (const std::system_error& e) {
    log_.error("tool {}: {}", name, e.what());
    return error_result(std::string("supervise could not do this: ") + e.what());
  }
  throw jsonrpc::RpcError(jsonrpc::kInvalidParams, "Unknown tool: " + name);
}

json SuperviseTools::get_allowlist() const {
  const auto hosts = configs_.allowlist();
  std::string text = "pipelock allows " + std::to_string(hosts.size()) + " hosts:";
  for (const auto& h : hosts) text += "\n- " + h;
  return text_result(text, {{"hosts", hosts}});
}

json SuperviseTools::get_routes() const {
  const auto routes = configs_.routes();
  json list = json::array();
  std::string text = "egress has " + std::to_string(routes.size()) + " routes:";
  for (const auto& r : routes) {
    list.push_back(route_json(r));
    text += "\n- " + r.summary();
  }
  return text_result(text, {{"routes", list}});
}

json SuperviseTools::propose_allowlist_change(const json& args) const {
  Proposal p;
  const json change = proposal_change(args, p);
  auto hosts = bottle::proposals::allowlist_change_from_json(change);
  // Judged against what runs now, as the host tool would judge it.
  const auto live = configs_.allowlist();
  auto listed = [&](const std::string& h) {
    return std::find(live.begin(), live.end(), h) != live.end();
  };
  for (const auto& h : hosts.add) {
    if (listed(h)) throw ConfigError(h + " is already allowed");
  }
  for (const auto& h : hosts.remove) {
    if (!listed(h)) throw ConfigError(h + " is not in the allowlist, so it cannot be removed");
  }
  p.change = std::move(hosts);
  return submitted(store_.create(std::move(p)));
}

json SuperviseTools::propose_route_change(const json& args) const {
  Proposal p;
  const json change = proposal_change(args, p);
  auto routes = bottle::proposals::route_change_from_json(change);
  const auto live = configs_.routes();
  for (const auto& r : routes.add) {
    for (const auto& existing : live) {
      if (existing.key() == r.key()) {
        throw ConfigError("a route for " + r.key() + " exists already: " + existing.summary());
      }
    }
  }
  for (const auto& removal : routes.remove) {
    const bool found = std::any_of(live.begin(), live.end(), [&](const auto& existing) {
      return existing.host == removal.host &&
             (!removal.path_prefix || existing.path_prefix == *removal.path_prefix);
    });
    if (!found) {
      throw ConfigError("no route for " + removal.host + removal.path_prefix.value_or("") +
                        " to remove");
    }
  }
  p.change = std::move(routes);
  return submitted(store_.create(std::move(p)));
}

json SuperviseTools::submitted(const Proposal& p) const {
  std::string lines;
  for (const auto& line : p.summary()) lines += (lines.empty() ? "" : "; ") + line;
  log_.info("proposal {} ({}) pending: {}; reason {}", p.id, p.kind(), lines,
            json(p.reason).dump());
  std::string text = describe_state(p) +
                     "\nThe operator decides on the host; ask get_proposal with id " + p.id +
                     " for the outcome.";
  return text_result(text, proposal_state(p));
}

json SuperviseTools::get_proposal(const json& args) const {
  for (const auto& [key, value] : args.items()) {
    if (key != "id") throw ConfigError("unknown argument '" + key + "' (known: id)");
  }
  if (!args.contains("id") || !args["id"].is_string()) {
    throw ConfigError("'id' is required: the id propose_* returned");
  }
  const std::string id = args["id"].get<std::string>();
  const auto p = store_.find(id);
  if (!p) throw ConfigError("no proposal " + id + " in this bottle");
  return text_result(describe_state(*p), proposal_state(*p));
}

json SuperviseTools::list_proposals() const {
  std::vector<std::string> problems;
  const auto all = store_.list(&problems);
  for (const auto& problem : problems) log_.warn("proposals: {}", problem);
  json list = json::array();
  std::string text = std::to_string(all.size()) + " proposals";
  for (const auto& p : all) {
    list.push_back(proposal_state(p));
    text += "\n" + describe_state(p);
  }
  return text_result(text, {{"proposals", list}});
}

}  // namespace supervise
