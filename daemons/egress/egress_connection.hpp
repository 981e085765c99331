#pragma once

#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent_target.hpp"
#include "bottle/config/route.hpp"
#include "bottle/uv/next_turn.hpp"
#include "bottle/uv/tcp.hpp"
#include "bottle/uv/timer.hpp"
#include "connection_context.hpp"
#include "forwarded_heads.hpp"
#include "kept_upstream.hpp"
#include "request_log.hpp"
#include "response_body.hpp"
#include "sink_body.hpp"

namespace egress {

// Where an agent connection is. Each request moves it from kIdle (or
// kReadingHead, when the next request came early) to kAnswered and back; a
// refusal, a failure or the last response takes it to kClosing, and the end
// to kClosed.
enum class Phase {
  kIdle,         // between requests: no byte of the next one yet
  kReadingHead,  // the head is arriving
  kConnecting,   // head accepted; reaching the upstream (or about to retry on a new channel)
  kStreaming,    // the head went upstream; bodies flow both ways
  kAnswered,     // the response is complete; the next request starts on the next turn
  kClosing,      // the last bytes for the agent are being written, then the close
  kClosed,       // ended; the server destroys the connection on the next turn
};
const char* phase_name(Phase phase);

// One agent connection, serving its requests one after another (keep-alive
// and pipelining included). For each: read the head, refuse what is not in
// the canonical form, TRACE and its kin, git pushes and requests no route
// covers or whose method it refuses; pick the route from the table current
// now; send the request to its upstream over TLS through the proxy with the
// route's header injected, streaming the body each way and pausing the side
// that is ahead; and pass the response through the reflection guard. When
// the agent goes away, the exchange and its upstream connection end at once.
class EgressConnection {
 public:
  EgressConnection(ConnectionContext& context, std::uint64_t id,
                   std::unique_ptr<bottle::uv::TcpStream> client);
  EgressConnection(const EgressConnection&) = delete;
  EgressConnection& operator=(const EgressConnection&) = delete;
  ~EgressConnection();

  void start();
  // Answers 503 without reading (over the connection cap).
  void reject(const std::string& why);
  // Ends the connection now; logs the request in flight, if any.
  void abort(const std::string& why);
  // Whether a request is being served (as opposed to waiting for the next one).
  bool busy() const { return phase_ != Phase::kIdle; }
  Phase phase() const { return phase_; }

 private:
  using RequestParser = boost::beast::http::request_parser<SinkBody>;
  using ResponseParser = boost::beast::http::response_parser<SinkBody>;
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // Everything about the request being served; replaced whole by the next.
  struct Exchange {
    std::unique_ptr<RequestParser> request;
    std::unique_ptr<ResponseParser> response;
    std::optional<AgentTarget> target;
    std::optional<bottle::config::Route> route;
    std::string_view token;                        // held by the context's TokenStore
    const ReflectionPatterns* patterns = nullptr;  // the token's forms, for the guard
    std::string upstream_key;                      // host:port
    std::string upstream_head;                     // holds the token until it is written
    Framing request_framing;
    Framing response_framing;
    std::unique_ptr<ResponseBody> response_body;  // decoding and the guard, once the head came
    std::string response_problem;                 // set inside the parser's callbacks
    bool head_only = false;                       // a HEAD request: the response has no body
    bool expect_continue = false;
    bool request_done = false;     // the whole request went upstream
    bool response_head = false;    // the response's head went to the agent
    bool response_parsed = false;  // the upstream's response ended (its body may be backlogged)
    bool keep_alive = false;       // the agent may send another request after this one
    RequestRecord record;
    RedactionRecord redaction;
    std::chrono::steady_clock::time_point started;
    bool logged = true;
  };

  void begin_request();
  void begin_exchange();
  void on_client_data(std::string_view data);
  void on_client_end(int status);
  void update_client_reading();
  void feed_request();
  void on_request_head();
  void send_upstream();
  void on_upstream_ready();
  void on_upstream_data(std::string_view data);
  void on_upstream_end();
  void on_upstream_failed(const std::string& why);
  void on_request_body(std::string_view data);
  void on_request_done();
  void new_response_parser();
  void feed_response();
  void on_response_head();
  void on_response_body(std::string_view data);
  void complete_response();
  void send_body(const std::string& bytes);
  void wait_for_client();
  void on_client_drained();
  void end_exchange();
  void note_redactions(const ReflectionMatcher& matcher, const std::string& head);
  // A response egress makes itself; the connection closes after it.
  void answer(int status, const std::string& body, const std::string& note,
              const Headers& extra = {});
  void touch();
  void close_after_writes(const std::string& why);
  void finish(const std::string& why);
  void log_exchange();
  void wipe_upstream_head();

  ConnectionContext& context_;
  std::uint64_t id_;
  std::unique_ptr<bottle::uv::TcpStream> client_;
  std::string peer_;
  Phase phase_ = Phase::kIdle;
  Exchange exchange_;
  KeptUpstream upstream_;
  std::string client_in_;             // read from the agent, not parsed yet
  std::string upstream_in_;           // read from the upstream, not parsed yet
  bool waiting_for_client_ = false;   // an empty write marks where the agent has read up to
  bottle::uv::Timer head_timer_;      // the whole head must arrive in time; keep-alive idle
  bottle::uv::Timer connect_timer_;   // resolve, dial, CONNECT and handshake
  bottle::uv::Timer response_timer_;  // from the end of the request to the response head
  bottle::uv::Timer idle_timer_;      // no byte either way for too long
  bottle::uv::NextTurn
      next_turn_;  // the next request, or a retry: not inside a channel's callbacks
  bottle::uv::NextTurn drop_turn_;  // closes a kept channel spoiled while idle
};

}  // namespace egress
