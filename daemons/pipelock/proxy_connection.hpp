#pragma once

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bottle/uv/tcp.hpp"
#include "bottle/uv/timer.hpp"
#include "client_hello.hpp"
#include "decision_log.hpp"
#include "intercepted_session.hpp"
#include "ip_address.hpp"
#include "proxy_target.hpp"
#include "splice_tunnel.hpp"

namespace pipelock {

class ProxyServer;

// One agent connection: read the request head (Beast's parser, within the
// size and time limits, however its bytes are split), decide, resolve once,
// check every address, dial the address that was checked (so a second lookup
// cannot rebind the name), then relay with backpressure until either side is
// done. Nothing reaches an upstream that was not parsed and decided on:
//   - a plain request is forwarded as exactly one request, its body framed
//     by pipelock (Content-Length bytes, or chunks it re-encodes), and the
//     connection ends with it: bytes after it (a pipelined request) are never
//     forwarded;
//   - a tunnel to a host starts with the client's TLS ClientHello, whose
//     server name must be the CONNECT host (forward_proxy.sni_verification).
class ProxyConnection {
 public:
  ProxyConnection(ProxyServer& server, std::uint64_t id,
                  std::unique_ptr<bottle::uv::TcpStream> client);
  ProxyConnection(const ProxyConnection&) = delete;
  ProxyConnection& operator=(const ProxyConnection&) = delete;

  void start();
  // Answers 503 at once without reading the request (over the connection cap).
  void reject(const std::string& reason) { refuse(503, reason); }
  // Ends the connection now (pipelock is stopping); logs it if it was allowed.
  void abort(const std::string& why);
  // Whether bytes are flowing between client and upstream.
  bool relaying() const { return relaying_; }

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

  // What the client's bytes are, where the connection is.
  enum class ClientStream {
    head,           // the request head, not complete yet
    held,           // head decided; resolving and dialling, client paused
    hello,          // tunnel open; waiting for the TLS ClientHello to check its SNI
    tunnel,         // tunnel bytes, relayed as they come
    to_splice,      // tunnel; both sides paused until what libuv holds is written
    spliced,        // tunnel bytes moved by the kernel (SpliceTunnel); no uv_tcp_t left
    request_body,   // a plain request's body, parsed and re-framed
    request_ended,  // the one request is forwarded; nothing more goes upstream
    intercepted,    // tunnel bytes, read by the InterceptedSession
  };

  void on_client_data(std::string_view data);
  void on_client_end(int status);
  void read_head(std::string_view data);
  void on_head(const Parser::value_type& request);
  void feed_body(std::string_view data);
  void check_hello(std::string_view data);
  // The checks are done: relay everything from now on, starting with `held`.
  void open_tunnel(std::string held);
  // In to_splice, once neither side has bytes queued: hands both sockets to
  // a SpliceTunnel (or goes on with the buffered relay if it cannot be made).
  void splice_if_drained();
  // Whether this tunnel, or this plain request, is read request by request
  // (tls_interception).
  bool intercepting() const;
  // Hands the tunnel to an InterceptedSession, starting with `held`.
  void intercept(bool tls, std::string held);
  void to_client(std::string bytes);
  void refuse(int status, const std::string& reason);
  // Refuses a tunnel already answered with 200: logs and closes.
  void block_tunnel(const std::string& reason);
  // Refuses for `why` unless pipelock only audits; true when refused.
  bool blocked_by_policy(const std::string& why);
  void resolve();
  void dial_next();
  void on_upstream_connected();
  void to_upstream(std::string bytes);
  void relay_upstream();
  void touch();
  // Half-closes `side` after what is queued for it.
  void shut_down(bottle::uv::TcpStream& side);
  // Ends the connection once both sides have ended and every half-close is
  // done ("closed").
  void finish_when_both_ended();
  void finish(const std::string& why);

  ProxyServer& server_;
  std::uint64_t id_;
  std::unique_ptr<bottle::uv::TcpStream> client_;
  std::unique_ptr<bottle::uv::TcpStream> upstream_;
  std::unique_ptr<bottle::uv::Resolve> resolve_;
  std::unique_ptr<Parser> parser_;
  std::unique_ptr<InterceptedSession> session_;
  std::unique_ptr<SpliceTunnel> splice_;
  // The client is this host itself (egress beside pipelock): its tunnels
  // carry the operator's tokens on purpose and are never intercepted.
  bool client_local_ = false;
  // The intercepted session paused the agent's socket (a DLP scan is out):
  // write-side back-pressure must not resume it.
  bool session_holds_client_ = false;
  bool session_ended_ = false;  // the session asked for the end (io.end)
  ClientStream client_stream_ = ClientStream::head;
  std::string pending_;           // client bytes read but not yet consumed by the parser
  std::size_t head_bytes_ = 0;    // head bytes the parser consumed so far
  std::string head_to_upstream_;  // a plain request's head, rewritten
  std::string raw_head_;          // the head as the client sent it (for interception)
  bool chunked_body_ = false;
  ClientHelloReader hello_;
  std::string hello_bytes_;              // tunnel bytes held while the ClientHello is read
  std::uint64_t unforwarded_bytes_ = 0;  // client bytes after the request, never sent
  bool connect_ = false;
  ProxyTarget target_;
  std::vector<IpAddress> candidates_;
  std::size_t next_candidate_ = 0;
  bottle::uv::Timer phase_timer_;  // header, then dial, then ClientHello deadline
  bottle::uv::Timer idle_timer_;
  bottle::uv::Timer lifetime_timer_;
  Decision decision_;
  std::chrono::steady_clock::time_point started_;
  bool client_done_ = false;
  int shutdowns_pending_ = 0;
  bool upstream_done_ = false;
  bool finished_ = false;
  bool logged_ = false;
  bool relaying_ = false;
  std::string audit_note_;
  std::string dial_error_;  // why the last dial failed
};

}  // namespace pipelock
