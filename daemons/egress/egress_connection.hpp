#pragma once

#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "agent_target.hpp"
#include "bottle/config/route.hpp"
#include "bottle/uv/tcp.hpp"
#include "bottle/uv/timer.hpp"
#include "forwarded_heads.hpp"
#include "request_log.hpp"
#include "sink_body.hpp"
#include "upstream_channel.hpp"

namespace egress {

class EgressServer;

// One agent connection, serving its requests one after another (keep-alive
// and pipelining included). For each: read the head, refuse git pushes and
// requests no route covers, pick the route from the table current now, open
// a TLS channel to its upstream through the proxy, and stream the body each
// way with the route's header injected, pausing the side that is ahead.
class EgressConnection {
 public:
  EgressConnection(EgressServer& server, std::uint64_t id,
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
  bool busy() const { return in_exchange_; }

 private:
  using RequestParser = boost::beast::http::request_parser<SinkBody>;
  using ResponseParser = boost::beast::http::response_parser<SinkBody>;

  void begin_request();
  void on_client_data(std::string_view data);
  void on_client_end(int status);
  void feed_request();
  void on_request_head();
  // Sends the request to route_'s upstream, on the kept channel when it can.
  void open_upstream();
  void on_upstream_ready();
  void on_request_body(std::string_view data);
  void on_request_done();
  void new_response_parser();
  void feed_response();
  void on_response_head();
  void on_response_body(std::string_view data);
  void on_upstream_end();
  void on_upstream_failed(const std::string& why);
  void end_exchange();
  // A response egress makes itself; the connection closes after it.
  void answer(int status, const std::string& body, const std::string& note);
  void touch();
  void close_after_writes(const std::string& why);
  void finish(const std::string& why);
  void log_exchange();

  EgressServer& server_;
  std::uint64_t id_;
  std::unique_ptr<bottle::uv::TcpStream> client_;
  std::unique_ptr<UpstreamChannel> upstream_;
  std::unique_ptr<RequestParser> request_;
  std::unique_ptr<ResponseParser> response_;
  std::string client_in_;
  std::string upstream_in_;
  std::string upstream_head_;  // holds the token until it is written
  std::optional<AgentTarget> target_;
  std::optional<bottle::config::Route> route_;
  std::string_view token_;  // route_'s token, held by the server's TokenStore
  std::string upstream_key_;  // host:port the channel goes to
  std::chrono::steady_clock::time_point upstream_idle_since_;
  bool upstream_in_use_ = false;    // a request owns the channel
  bool upstream_reusable_ = false;  // idle, kept alive by the upstream, clean
  bool reused_ = false;             // this request went out on a kept channel
  bool retried_ = false;
  Framing request_framing_;
  Framing response_framing_;
  bool in_exchange_ = false;
  bool head_only_ = false;  // a HEAD request: the response has no body
  bool expect_continue_ = false;
  bool upstream_ready_ = false;
  bool request_done_ = false;
  bool response_started_ = false;
  bool exchange_over_ = false;
  bool keep_alive_ = false;
  bool client_eof_ = false;
  bool finished_ = false;
  bool logged_ = true;
  RequestRecord record_;
  std::chrono::steady_clock::time_point started_;
  bottle::uv::Timer head_timer_;     // the whole head must arrive in time; keep-alive idle
  bottle::uv::Timer connect_timer_;  // resolve, dial, CONNECT and handshake
  bottle::uv::Timer idle_timer_;     // no byte either way for too long
  bottle::uv::Timer next_timer_;     // the next request starts outside this one's callbacks
  bottle::uv::Timer retry_timer_;    // a retry replaces the channel outside its callbacks
  std::string peer_;
};

}  // namespace egress
