#include "supervise_tools.hpp"

#include <algorithm>

#include "bottle/config/config_error.hpp"
#include "bottle/proposals/field_rules.hpp"
#include "bottle/text/join.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "json_rpc.hpp"

namespace supervise {

using bottle::config::ConfigError;
using bottle::proposals::Proposal;
using bottle::proposals::shown;
using bottle::text::escape_for_terminal;
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

// The schemas say additionalProperties: false; the tools hold to it.
void only_arguments(const json& args, const std::string& tool,
                    std::initializer_list<const char*> known) {
  const std::string list = bottle::text::join(known, ", ");
  for (const auto& item : args.items()) {
    // Not a structured binding: clang 14 cannot capture one in a lambda.
    const std::string& key = item.key();
    if (std::find_if(known.begin(), known.end(), [&](const char* k) { return key == k; }) ==
        known.end()) {
      throw ConfigError(tool + ": unknown argument " + shown(key) +
                        (list.empty() ? " (it takes none)" : " (known: " + list + ")"));
    }
  }
}

constexpr std::size_t kDefaultPage = 20;
constexpr std::size_t kMaxPage = 50;
constexpr std::size_t kPageBytes = 128 * 1024;

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
  // Approved with the operator's edit: what is live is this, not the proposal.
  if (p.applied) out["applied"] = bottle::proposals::summary_of(*p.applied);
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
  if (p.applied) {
    text += "\nthe operator edited it; applied instead:";
    for (const auto& line : bottle::proposals::summary_of(*p.applied)) text += "\n  " + line;
  }
  return text;
}

// Both propose_* tools take add, remove and reason: the reason goes into `p`,
// the rest is the change, for the shared proposal rules.
json proposal_change(const json& args, const std::string& tool, Proposal& p) {
  only_arguments(args, tool, {"add", "remove", "reason"});
  p.reason =
      bottle::proposals::checked_reason(args.contains("reason") ? args.at("reason") : json());
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
       {"description",
        "The proposals made in this bottle, oldest first, with their state, a page at a time "
        "(20 unless `limit` says otherwise, at most 50). When more follow, the result has "
        "`next_cursor`: pass it as `cursor` for the next page. `state` keeps only pending, "
        "approved or rejected proposals."},
       {"inputSchema",
        object_schema(
            {{"cursor", {{"type", "string"}, {"description", "next_cursor of the previous page"}}},
             {"state", {{"type", "string"}, {"enum", {"pending", "approved", "rejected"}}}},
             {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxPage}}}},
            {})}},
  });
}

json SuperviseTools::call(const std::string& name, const json& arguments) {
  if (!arguments.is_object()) {
    throw jsonrpc::RpcError(jsonrpc::kInvalidParams, "arguments must be an object");
  }
  try {
    if (name == "get_allowlist") return get_allowlist(arguments);
    if (name == "get_routes") return get_routes(arguments);
    if (name == "propose_allowlist_change") return propose_allowlist_change(arguments);
    if (name == "propose_route_change") return propose_route_change(arguments);
    if (name == "get_proposal") return get_proposal(arguments);
    if (name == "list_proposals") return list_proposals(arguments);
  } catch (const ConfigError& e) {
    return error_result(e.what());
  } catch (const std::system_error& e) {
    log_.error("tool {}: {}", name, escape_for_terminal(e.what()));
    return error_result(std::string("supervise could not do this: ") + e.what());
  }
  throw jsonrpc::RpcError(jsonrpc::kInvalidParams, "Unknown tool: " + shown(name));
}

json SuperviseTools::get_allowlist(const json& args) const {
  only_arguments(args, "get_allowlist", {});
  const auto hosts = configs_.allowlist();
  std::string text = "pipelock allows " + std::to_string(hosts.size()) + " hosts:";
  for (const auto& h : hosts) text += "\n- " + h;
  return text_result(text, {{"hosts", hosts}});
}

json SuperviseTools::get_routes(const json& args) const {
  only_arguments(args, "get_routes", {});
  const auto routes = configs_.routes();
  json list = json::array();
  std::string text = "egress has " + std::to_string(routes.size()) + " routes:";
  for (const auto& r : routes) {
    list.push_back(route_json(r));
    text += "\n- " + r.summary();
  }
  return text_result(text, {{"routes", list}});
}

json SuperviseTools::propose_allowlist_change(const json& args) {
  Proposal p;
  const json change = proposal_change(args, "propose_allowlist_change", p);
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
  return submit(std::move(p));
}

json SuperviseTools::propose_route_change(const json& args) {
  Proposal p;
  const json change = proposal_change(args, "propose_route_change", p);
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
  return submit(std::move(p));
}

json SuperviseTools::submit(Proposal proposal) {
  // After the checks, so that a proposal that would be refused anyway says
  // why, and before the write: the folder is on the operator's disk.
  if (auto why = quota_.refusal(store_.count_pending(quota_.settings().max_pending))) {
    log_.warn("proposal refused: {}", *why);
    throw ConfigError(*why);
  }
  const Proposal p = store_.create(std::move(proposal));
  quota_.record();
  log_.info("proposal {} ({}) pending: {}; reason {}", p.id, p.kind(),
            escape_for_terminal(bottle::text::join(p.summary(), "; ")), shown(p.reason, 300));
  std::string text = describe_state(p) +
                     "\nThe operator decides on the host; ask get_proposal with id " + p.id +
                     " for the outcome.";
  return text_result(text, proposal_state(p));
}

json SuperviseTools::get_proposal(const json& args) const {
  only_arguments(args, "get_proposal", {"id"});
  if (!args.contains("id") || !args.at("id").is_string()) {
    throw ConfigError("'id' is required: the id propose_* returned");
  }
  const std::string& id = args.at("id").get_ref<const std::string&>();
  const auto p = store_.find(id);
  if (!p) throw ConfigError("no proposal " + shown(id) + " in this bottle");
  return text_result(describe_state(*p), proposal_state(*p));
}

json SuperviseTools::list_proposals(const json& args) const {
  only_arguments(args, "list_proposals", {"cursor", "state", "limit"});
  bottle::proposals::PageRequest request;
  request.limit = kDefaultPage;
  // A reply holds each proposal twice (text and structured): this keeps it
  // well under the connection's 1 MiB write queue whatever the files hold.
  request.max_bytes = kPageBytes;
  if (args.contains("cursor")) {
    const json& cursor = args.at("cursor");
    if (!cursor.is_string() || !bottle::proposals::valid_proposal_id(cursor.get<std::string>())) {
      throw ConfigError("'cursor' must be the next_cursor of a previous page");
    }
    request.after = cursor.get<std::string>();
  }
  if (args.contains("state")) {
    const json& state = args.at("state");
    for (auto s : {bottle::proposals::State::kPending, bottle::proposals::State::kApproved,
                   bottle::proposals::State::kRejected}) {
      if (state == bottle::proposals::state_name(s)) request.state = s;
    }
    if (!request.state) throw ConfigError("'state' must be pending, approved or rejected");
  }
  if (args.contains("limit")) {
    const json& limit = args.at("limit");
    if (!limit.is_number_integer() || limit.get<long long>() < 1 ||
        limit.get<long long>() > static_cast<long long>(kMaxPage)) {
      throw ConfigError("'limit' must be an integer from 1 to " + std::to_string(kMaxPage));
    }
    request.limit = limit.get<std::size_t>();
  }
  const auto page = store_.page(request);
  json list = json::array();
  json unreadable = json::array();
  std::string text;
  for (const auto& entry : page.entries) {
    if (!entry.proposal) {
      log_.warn("proposals: {}", escape_for_terminal(entry.problem));
      unreadable.push_back({{"id", entry.id}, {"problem", entry.problem}});
      text += "\nproposal " + entry.id + ": unreadable: " + entry.problem;
      continue;
    }
    list.push_back(proposal_state(*entry.proposal));
    text += "\n" + describe_state(*entry.proposal);
  }
  text =
      std::to_string(list.size()) + " proposals" +
      (request.state ? " " + bottle::proposals::state_name(*request.state) : "") +
      (page.next_cursor.empty() ? ""
                                : " on this page; more follow (cursor " + page.next_cursor + ")") +
      text;
  json structured = {{"proposals", list}};
  if (!unreadable.empty()) structured["unreadable"] = unreadable;
  if (!page.next_cursor.empty()) structured["next_cursor"] = page.next_cursor;
  return text_result(text, structured);
}

}  // namespace supervise
