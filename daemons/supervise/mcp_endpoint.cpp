#include "mcp_endpoint.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "bottle/json/safe_json.hpp"
#include "bottle/proposals/field_rules.hpp"
#include "bottle/text/ascii.hpp"
#include "bottle/text/join.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/text/utf8.hpp"

namespace supervise {

namespace http = boost::beast::http;
using bottle::proposals::shown;
using nlohmann::json;

namespace {

std::string header(const HttpRequest& request, std::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request.end()) return {};
  return std::string(it->value());
}

// "host:port", "[::1]:port" or "host" -> the host, lower case.
std::string host_without_port(std::string_view authority) {
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    return bottle::text::ascii_lower(
        authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
  }
  return bottle::text::ascii_lower(authority.substr(0, authority.find(':')));
}

struct Accepts {
  bool json = false;
  bool sse = false;
};

// Which of the two response framings the Accept header allows; a missing
// header allows both.
Accepts accepted(const HttpRequest& request) {
  const std::string value = header(request, "Accept");
  if (value.empty()) return {true, true};
  Accepts a;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    std::string type = value.substr(start, comma - start);
    type = type.substr(0, type.find(';'));
    type.erase(0, type.find_first_not_of(" \t"));
    type.erase(type.find_last_not_of(" \t") + 1);
    type = bottle::text::ascii_lower(type);
    if (type == "*/*") a.json = a.sse = true;
    if (type == "application/json" || type == "application/*") a.json = true;
    if (type == "text/event-stream" || type == "text/*") a.sse = true;
    start = comma + 1;
  }
  return a;
}

// For the log line: bounded here, escaped by the connection as it logs.
std::string describe(const jsonrpc::Message& m) {
  std::string out(bottle::text::truncate_utf8(m.method, 60));
  if (m.method == "tools/call" && m.params.contains("name") && m.params.at("name").is_string()) {
    out += " ";
    out += bottle::text::truncate_utf8(m.params.at("name").get_ref<const std::string&>(), 60);
  }
  return out;
}

// Headers whose one value decides what happens: a second copy would leave
// the choice to whichever component reads which, so it is refused.
constexpr std::array<http::field, 5> kSingleHeaders = {
    http::field::host, http::field::origin, http::field::content_type, http::field::content_length,
    http::field::transfer_encoding};
constexpr std::array<std::string_view, 2> kSingleMcpHeaders = {"Mcp-Session-Id",
                                                               "MCP-Protocol-Version"};

std::string repeated_header(const HttpRequest& request) {
  for (const auto field : kSingleHeaders) {
    if (request.count(field) > 1) return std::string(http::to_string(field));
  }
  for (const auto name : kSingleMcpHeaders) {
    if (request.count(boost::beast::string_view(name.data(), name.size())) > 1) {
      return std::string(name);
    }
  }
  return {};
}

}  // namespace

// Transport-level errors have no request id to answer.
EndpointReply refusal(unsigned status, int code, const std::string& message) {
  EndpointReply r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = bottle::json::dump(jsonrpc::error_response(nullptr, code, message));
  r.log = message;
  return r;
}

std::string McpEndpoint::host_problem(const HttpRequest& request) const {
  const std::string host = header(request, "Host");
  if (host.empty()) return "the Host header is missing";
  if (!settings_.allowed_hosts.count(host_without_port(host))) {
    return "Host " + shown(host) + " is not one this server answers to";
  }
  const std::string origin = header(request, "Origin");
  if (!origin.empty()) {
    const auto scheme_end = origin.find("://");
    const std::string authority =
        scheme_end == std::string::npos ? origin : origin.substr(scheme_end + 3);
    if (!settings_.allowed_hosts.count(
            host_without_port(authority.substr(0, authority.find('/'))))) {
      return "Origin " + shown(origin) + " is not allowed";
    }
  }
  return {};
}

EndpointReply McpEndpoint::handle(const HttpRequest& request) {
  try {
    return dispatch(request);
  } catch (const std::exception& e) {
    // The connection boundary: a bug of supervise's costs this request only.
    return refusal(500, jsonrpc::kInternalError, "Internal Server Error: " + shown(e.what(), 200));
  }
}

EndpointReply McpEndpoint::dispatch(const HttpRequest& request) {
  if (const std::string repeated = repeated_header(request); !repeated.empty()) {
    return refusal(400, -32000, "Bad Request: more than one " + repeated + " header");
  }
  if (const std::string problem = host_problem(request); !problem.empty()) {
    return refusal(403, -32000, "Forbidden: " + problem);
  }
  const std::string_view target(request.target().data(), request.target().size());
  if (target.substr(0, target.find('?')) != settings_.path) {
    return refusal(404, -32000, "Not Found: the MCP endpoint is " + settings_.path);
  }
  if (const std::string version = header(request, "MCP-Protocol-Version");
      !version.empty() && !is_supported_protocol_version(version)) {
    const std::string list = bottle::text::join(supported_protocol_versions(), ", ");
    return refusal(400, -32000,
                   "Bad Request: unsupported MCP-Protocol-Version " + shown(version) +
                       " (supported: " + list + ")");
  }
  switch (request.method()) {
    case http::verb::post:
      return post(request);
    case http::verb::get:
      return get(request);
    case http::verb::delete_:
      return remove(request);
    default: {
      auto r = refusal(405, -32000, "Method Not Allowed: use POST, GET or DELETE");
      r.headers.emplace_back("Allow", "GET, POST, DELETE");
      return r;
    }
  }
}

Session* McpEndpoint::session_of(const HttpRequest& request, EndpointReply& refused) {
  const std::string id = header(request, "Mcp-Session-Id");
  if (id.empty()) {
    refused = refusal(400, -32000,
                      "Bad Request: Mcp-Session-Id header is required (POST initialize first)");
    return nullptr;
  }
  Session* session = sessions_.find(id);
  if (!session) {
    refused = refusal(404, -32001, "Session not found: initialize a new session");
    return nullptr;
  }
  return session;
}

EndpointReply McpEndpoint::post(const HttpRequest& request) {
  const std::string content_type = bottle::text::ascii_lower(header(request, "Content-Type"));
  if (content_type.substr(0, content_type.find(';')) != "application/json") {
    return refusal(415, -32000, "Unsupported Media Type: Content-Type must be application/json");
  }
  const Accepts accepts = accepted(request);
  if (!accepts.json && !accepts.sse) {
    return refusal(406, -32000,
                   "Not Acceptable: Accept must allow application/json and text/event-stream");
  }
  jsonrpc::Message message;
  try {
    message = jsonrpc::parse_message(request.body());
  } catch (const jsonrpc::RpcError& e) {
    return refusal(400, e.code(), e.what());
  }

  EndpointReply reply;
  reply.headers = {{"Content-Type", "application/json"}};
  if (message.method == "initialize" && message.kind == jsonrpc::Message::Kind::kRequest &&
      header(request, "Mcp-Session-Id").empty()) {
    try {
      const auto init = dispatcher_.initialize(message.params);
      Session& session = sessions_.create(init.protocol_version, init.client);
      reply.headers.emplace_back("Mcp-Session-Id", session.id);
      reply.body = bottle::json::dump(jsonrpc::result_response(message.id, init.result));
      reply.log = "initialize by " + init.client + ": session " + session.id + ", protocol " +
                  init.protocol_version;
    } catch (const jsonrpc::RpcError& e) {
      reply.body = bottle::json::dump(jsonrpc::error_response(message.id, e.code(), e.what()));
      reply.log = std::string("initialize refused: ") + e.what();
    }
    return reply;
  }

  EndpointReply refused;
  Session* session = session_of(request, refused);
  if (!session) return refused;
  reply.headers.emplace_back("Mcp-Session-Id", session->id);
  if (message.kind != jsonrpc::Message::Kind::kRequest) {
    if (message.kind == jsonrpc::Message::Kind::kNotification)
      dispatcher_.notify(*session, message);
    reply.status = 202;
    reply.headers = {{"Mcp-Session-Id", session->id}};
    reply.log = message.kind == jsonrpc::Message::Kind::kNotification ? message.method : "response";
    return reply;
  }
  const json response = dispatcher_.handle(*session, message);
  reply.body = bottle::json::dump(response);
  const bool tool_error = response.contains("result") && response.at("result").is_object() &&
                          response.at("result").value("isError", false);
  reply.log = describe(message) +
              (response.contains("error")
                   ? " -> error " + response.at("error").at("message").get<std::string>()
               : tool_error ? " -> tool error"
                            : " -> ok");
  // A tool call is where a server may want to say something before the result
  // (progress, logs), so it gets an event stream when the client takes one.
  if (accepts.sse && (!accepts.json || message.method == "tools/call")) {
    reply.kind = EndpointReply::Kind::kSseOnce;
  }
  return reply;
}

EndpointReply McpEndpoint::get(const HttpRequest& request) {
  if (!accepted(request).sse || header(request, "Accept").empty()) {
    return refusal(406, -32000,
                   "Not Acceptable: GET opens an event stream; Accept text/event-stream");
  }
  EndpointReply refused;
  Session* session = session_of(request, refused);
  if (!session) return refused;
  if (session->open_streams >= settings_.max_streams_per_session) {
    return refusal(429, -32000,
                   "Too Many Requests: this session has " + std::to_string(session->open_streams) +
                       " event streams open (at most " +
                       std::to_string(settings_.max_streams_per_session) +
                       "); close one, or DELETE the session");
  }
  if (open_streams_ >= settings_.max_streams) {
    return refusal(503, -32000,
                   "Service Unavailable: " + std::to_string(open_streams_) +
                       " event streams are open (at most " + std::to_string(settings_.max_streams) +
                       "); requests without a stream still work");
  }
  ++session->open_streams;
  ++open_streams_;
  EndpointReply reply;
  reply.kind = EndpointReply::Kind::kSseStream;
  reply.session_id = session->id;
  reply.headers = {{"Mcp-Session-Id", session->id}};
  reply.log = "event stream opened";
  return reply;
}

EndpointReply McpEndpoint::remove(const HttpRequest& request) {
  EndpointReply refused;
  Session* session = session_of(request, refused);
  if (!session) return refused;
  EndpointReply reply;
  reply.session_id = session->id;
  reply.session_ended = true;
  reply.log = "session ended by the client";
  sessions_.remove(session->id);
  return reply;
}

void McpEndpoint::stream_closed(const std::string& session_id) {
  if (open_streams_ > 0) --open_streams_;
  // peek, not find: a stream ending is not a use of its session.
  if (Session* session = sessions_.peek(session_id); session && session->open_streams > 0) {
    --session->open_streams;
  }
}

std::optional<SessionRegistry::Clock::duration> McpEndpoint::idle_for(
    const std::string& session_id) const {
  const Session* session = sessions_.peek(session_id);
  if (!session) return std::nullopt;
  return sessions_.now() - session->last_used;
}

}  // namespace supervise
