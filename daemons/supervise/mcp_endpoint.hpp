#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mcp_dispatcher.hpp"
#include "session_registry.hpp"

namespace supervise {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// What the connection sends back for one HTTP request.
struct EndpointReply {
  enum class Kind {
    kPlain,      // status, headers and body, as they are
    kSseOnce,    // an event stream carrying `body` as one message, then ended
    kSseStream,  // the session's server-to-client stream, open until either side ends it
  };
  Kind kind = Kind::kPlain;
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string session_id;  // kSseStream: its session; with session_ended: the session deleted
  bool session_ended = false;
  std::string log;  // what happened, for the request's log line
};

// A transport-level refusal: `status` with a JSON-RPC error body (no request id).
EndpointReply refusal(unsigned status, int code, const std::string& message);

struct EndpointSettings {
  std::string path = "/mcp";
  // Host (and Origin) names accepted, without port: requests naming any other
  // are refused, so a web page the agent's browser opens cannot reach the
  // server through a rebound DNS name.
  std::set<std::string> allowed_hosts = {"localhost", "127.0.0.1", "[::1]", "supervise"};
  // Event streams of one session at once (a client needs one; two let it
  // reconnect before the old one is seen closed), and of all sessions: half
  // the connection slots, so streams can never lock new sessions out.
  std::size_t max_streams_per_session = 2;
  std::size_t max_streams = 128;
};

// The Streamable HTTP transport of MCP on one path: POST carries one
// JSON-RPC message and gets JSON (or, for tools/call when the client takes
// it, an event stream); GET opens the session's event stream; DELETE ends the
// session. Every refusal is an HTTP status with a JSON-RPC error body.
class McpEndpoint {
 public:
  McpEndpoint(EndpointSettings settings, SessionRegistry& sessions, const McpDispatcher& dispatcher)
      : settings_(std::move(settings)), sessions_(sessions), dispatcher_(dispatcher) {}

  // Never throws: whatever goes wrong is a reply.
  EndpointReply handle(const HttpRequest& request);
  // A kSseStream reply's stream ended.
  void stream_closed(const std::string& session_id);
  // How long `session_id` has gone unused (no request naming it), or nothing
  // when it is gone.
  std::optional<SessionRegistry::Clock::duration> idle_for(const std::string& session_id) const;
  // Forgets sessions unused past the registry's expiry (a timer calls this).
  std::size_t expire_sessions() { return sessions_.expire_idle(); }

 private:
  EndpointReply dispatch(const HttpRequest& request);
  EndpointReply post(const HttpRequest& request);
  EndpointReply get(const HttpRequest& request);
  EndpointReply remove(const HttpRequest& request);
  // The request's session, or `refused` refusing it (400 without the header, 404 unknown).
  Session* session_of(const HttpRequest& request, EndpointReply& refused);
  std::string host_problem(const HttpRequest& request) const;

  EndpointSettings settings_;
  SessionRegistry& sessions_;
  const McpDispatcher& dispatcher_;
  std::size_t open_streams_ = 0;
};

}  // namespace supervise
