#include "mcp_dispatcher.hpp"

#include <algorithm>

#include "bottle/text/utf8.hpp"

namespace supervise {

using jsonrpc::RpcError;
using nlohmann::json;

namespace {

constexpr const char* kInstructions =
    "This bottle reaches the network only through an allowlisting proxy (pipelock) and "
    "reaches token-protected services only through egress routes. Read them with "
    "get_allowlist and get_routes. When the task needs more, propose the change with a "
    "reason; the operator approves or rejects it on the host. Poll get_proposal for the "
    "outcome: an approved change is live at once.";

// clientInfo's name or version: only for log lines, so bounded; absent is "?".
std::string client_field(const json& info, const char* key) {
  if (!info.contains(key)) return "?";
  const json& value = info.at(key);
  if (!value.is_string()) {
    throw RpcError(jsonrpc::kInvalidParams,
                   std::string("initialize: \"clientInfo.") + key + "\" must be a string");
  }
  return std::string(bottle::text::truncate_utf8(value.get_ref<const std::string&>(), 100));
}

}  // namespace

const std::vector<std::string>& supported_protocol_versions() {
  static const std::vector<std::string> versions = {"2025-11-25", "2025-06-18", "2025-03-26"};
  return versions;
}

bool is_supported_protocol_version(const std::string& version) {
  const auto& all = supported_protocol_versions();
  return std::find(all.begin(), all.end(), version) != all.end();
}

McpDispatcher::Initialized McpDispatcher::initialize(const json& params) const {
  // Every field read is type-checked first: nlohmann's value() and get()
  // throw on a wrong type, which is the agent's mistake, not supervise's.
  if (!params.contains("protocolVersion") || !params.at("protocolVersion").is_string()) {
    throw RpcError(jsonrpc::kInvalidParams, "initialize: \"protocolVersion\" must be a string");
  }
  const std::string& asked = params.at("protocolVersion").get_ref<const std::string&>();
  Initialized out;
  out.protocol_version =
      is_supported_protocol_version(asked) ? asked : supported_protocol_versions().front();
  if (!params.contains("clientInfo")) {
    out.client = "unnamed client";
  } else if (const json& info = params.at("clientInfo"); info.is_object()) {
    out.client = client_field(info, "name") + "/" + client_field(info, "version");
  } else {
    throw RpcError(jsonrpc::kInvalidParams, "initialize: \"clientInfo\" must be an object");
  }
  out.result = {
      {"protocolVersion", out.protocol_version},
      {"capabilities", {{"tools", {{"listChanged", false}}}}},
      {"serverInfo",
       {{"name", "supervise"}, {"title", "claude-bottle supervise"}, {"version", "1.0.0"}}},
      {"instructions", kInstructions}};
  return out;
}

json McpDispatcher::handle(Session& session, const jsonrpc::Message& request) const {
  try {
    if (request.method == "ping") return jsonrpc::result_response(request.id, json::object());
    if (request.method == "tools/list") {
      return jsonrpc::result_response(request.id, {{"tools", tools_.list()}});
    }
    if (request.method == "tools/call") {
      return jsonrpc::result_response(request.id, call_tool(request.params));
    }
    if (request.method == "initialize") {
      throw RpcError(jsonrpc::kInvalidRequest,
                     "session " + session.id +
                         " is initialized already; POST initialize without Mcp-Session-Id to "
                         "start another");
    }
    throw RpcError(jsonrpc::kMethodNotFound, "Method not found: " + request.method);
  } catch (const RpcError& e) {
    return jsonrpc::error_response(request.id, e.code(), e.what());
  } catch (const std::exception& e) {
    // A bug of supervise's, answered as one: the session and the server go on.
    return jsonrpc::error_response(
        request.id, jsonrpc::kInternalError,
        std::string("Internal error: ") + std::string(bottle::text::truncate_utf8(e.what(), 200)));
  }
}

void McpDispatcher::notify(Session& session, const jsonrpc::Message& notification) const {
  if (notification.method == "notifications/initialized") session.initialized = true;
  // Others (cancelled, progress, roots/list_changed) need nothing: every call
  // supervise answers is done before the next message could cancel it.
}

json McpDispatcher::call_tool(const json& params) const {
  if (!params.contains("name") || !params.at("name").is_string()) {
    throw RpcError(jsonrpc::kInvalidParams, "tools/call: \"name\" must be a string");
  }
  static const json kNoArguments = json::object();
  const json& arguments = params.contains("arguments") ? params.at("arguments") : kNoArguments;
  return tools_.call(params.at("name").get_ref<const std::string&>(), arguments);
}

}  // namespace supervise
