#include "mcp_endpoint.hpp"

#include <algorithm>
#include <cctype>

namespace supervise {

namespace http = boost::beast::http;
using nlohmann::json;

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string header(const HttpRequest& request, std::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request.end()) return {};
  return std::string(it->value());
}

// "host:port", "[::1]:port" or "host" -> the host, lower case.
std::string host_without_port(std::string_view authority) {
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    return lower(
        authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
  }
  return lower(authority.substr(0, authority.find(':')));
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
    type = lower(type);
    if (type == "*/*") a.json = a.sse = true;
    if (type == "application/json" || type == "application/*") a.json = true;
    if (type == "text/event-stream" || type == "text/*") a.sse = true;
    start = comma + 1;
  }
  return a;
}

std::string describe(const jsonrpc::Message& m) {
  std::string out = m.method;
  if (m.method == "tools/call" && m.params.contains("name") && m.params["name"].is_string()) {
    out += " " + m.params["name"].get<std::string>();
  }
  return out;
}

}  // namespace

// Transport-level errors have no request id to answer.
EndpointReply refusal(unsigned status, int code, const std::string& message) {
  EndpointReply r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = jsonrpc::error_response(nullptr, code, message).dump();
  r.log = message;
  return r;
}

std::string McpEndpoint::host_problem(const HttpRequest& request) const {
  const std::string host = header(request, "Host");
  if (host.empty()) return "the Host header is missing";
  if (!settings_.allowed_hosts.count(host_without_port(host))) {
    return "Host '" + host + "' is not one this server answers to";
  }
  const std::string origin = header(request, "Origin");
  if (!origin.empty()) {
    const auto scheme_end = origin.find("://");
    const std::string authority =
        scheme_end == std::string::npos ? origin : origin.substr(scheme_end + 3);
    if (!settings_.allowed_hosts.count(
            host_without_port(authority.substr(0, authority.find('/'))))) {
      return "Origin '" + origin + "' is not allowed";
    }
  }
  return {};
}

EndpointReply McpEndpoint::handle(const HttpRequest& request) {
  if (const std::string problem = host_problem(request); !problem.empty()) {
    return refusal(403, -32000, "Forbidden: " + problem);
  }
  const std::string_view target(request.target().data(), request.target().size());
  if (target.substr(0, target.find('?')) != settings_.path) {
    return refusal(404, -32000, "Not Found: the MCP endpoint is " + settings_.path);
  }
  if (const std::string version = header(request, "MCP-Protocol-Version");
      !version.empty() && !is_supported_protocol_version(version)) {
    std::string list;
    for (const auto& v : supported_protocol_versions()) list += (list.empty() ? "" : ", ") + v;
    return refusal(400, -32000,
                   "Bad Request: unsupported MCP-Protocol-Version '" + version +
                       "' (supported: " + list + ")");
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
  const std::string content_type = lower(header(request, "Content-Type"));
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
      reply.body = jsonrpc::result_response(message.id, init.result).dump();
      reply.log = "initialize by " + init.client + ": session " + session.id + ", protocol " +
                  init.protocol_version;
    } catch (const jsonrpc::RpcError& e) {
      reply.body = jsonrpc::error_response(message.id, e.code(), e.what()).dump();
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
  reply.body = response.dump();
  reply.log =
      describe(message) + (response.contains("error")
                               ? " -> error " + response["error"]["message"].get<std::string>()
                           : response["result"].value("isError", false) ? " -> tool error"
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
  ++session->open_streams;
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
  if (Session* session = sessions_.find(session_id); session && session->open_streams > 0) {
    --session->open_streams;
  }
}

}  // namespace supervise
