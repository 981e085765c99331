#pragma once

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "bottle/uv/tcp.hpp"
#include "bottle/uv/timer.hpp"
#include "mcp_endpoint.hpp"

namespace supervise {

class McpServer;

// One client connection: HTTP/1.1 requests one after another (keep-alive
// and pipelining), each answered by the endpoint; a GET turns the connection
// into the session's event stream until either side ends it, or until the
// session has gone unused for the stream idle timeout.
class McpConnection {
 public:
  // Where the connection is; each phase has its own timer.
  enum class Phase {
    kIdle,       // between requests (the idle timer runs): the one phase a newcomer may evict
    kReading,    // a request has started (the request timer runs)
    kStreaming,  // carries an event stream (keepalive and stream idle timers run)
    kClosing,    // answered; closing once the writes are out
    kFinished,   // released to the server
  };

  McpConnection(McpServer& server, std::uint64_t id, std::unique_ptr<bottle::uv::TcpStream> client);
  McpConnection(const McpConnection&) = delete;
  McpConnection& operator=(const McpConnection&) = delete;

  void start();
  // Answers 503 and closes (over the connection cap).
  void reject(const std::string& why);
  // Ends the connection now (an open event stream is ended cleanly first).
  void abort(const std::string& why);
  // The session whose event stream this connection carries, if any.
  const std::string& streaming_session() const { return stream_session_; }
  Phase phase() const { return phase_; }
  // When the connection last became idle (meaningful in kIdle).
  std::chrono::steady_clock::time_point idle_since() const { return idle_since_; }

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void new_parser();
  void on_data(std::string_view data);
  void on_end(int status);
  void feed();
  void serve(const HttpRequest& request);
  void send_plain(const EndpointReply& reply, bool keep_alive);
  // Status line and headers of an event stream (chunked: its length is unknown).
  std::string event_stream_head(const EndpointReply& reply, bool keep_alive);
  void send_event_stream(const EndpointReply& reply, bool keep_alive);
  void open_event_stream(const EndpointReply& reply);
  void arm_keepalive();
  void arm_stream_idle(std::chrono::milliseconds delay);
  // An HTTP error outside the endpoint (head too large, malformed), then close.
  void fail_request(unsigned status, const std::string& message);
  void write(std::string bytes);
  void close_after_writes(const std::string& why);
  void finish(const std::string& why);

  McpServer& server_;
  std::uint64_t id_;
  std::unique_ptr<bottle::uv::TcpStream> client_;
  std::unique_ptr<Parser> parser_;
  std::string in_;
  std::string stream_session_;
  Phase phase_ = Phase::kIdle;
  std::chrono::steady_clock::time_point idle_since_ = std::chrono::steady_clock::now();
  bottle::uv::Timer request_timer_;      // a started request must arrive whole in time
  bottle::uv::Timer idle_timer_;         // between requests
  bottle::uv::Timer keepalive_timer_;    // comments on an open event stream
  bottle::uv::Timer stream_idle_timer_;  // ends a stream whose session is no longer used
  std::string peer_;
};

}  // namespace supervise
