#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bottle/uv/tcp.hpp"
#include "bottle/uv/timer.hpp"
#include "decision_log.hpp"
#include "ip_address.hpp"
#include "proxy_target.hpp"

namespace pipelock {

class ProxyServer;

// One agent connection: read the request head (Beast's parser, within the
// size and time limits), decide, resolve once, check every address, dial the
// address that was checked (so a second lookup cannot rebind the name), then
// relay bytes both ways with backpressure until either side is done.
class ProxyConnection {
 public:
  ProxyConnection(ProxyServer& server, std::uint64_t id,
                  std::unique_ptr<bottle::uv::TcpStream> client);
  ProxyConnection(const ProxyConnection&) = delete;
  ProxyConnection& operator=(const ProxyConnection&) = delete;

  void start();
  // Answers `status` at once without reading the request (over the connection cap).
  void reject(int status, const std::string& reason) { refuse(status, reason); }
  // Ends the connection now (pipelock is stopping); logs it if it was allowed.
  void abort(const std::string& why);
  // Whether bytes are flowing between client and upstream.
  bool relaying() const { return relaying_; }

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::empty_body>;

  void on_client_data(std::string_view data);
  void on_head(const Parser::value_type& request);
  void refuse(int status, const std::string& reason);
  // Refuses for `why` unless pipelock only audits; true when refused.
  bool blocked_by_policy(const std::string& why);
  void resolve();
  void dial_next();
  void on_upstream_connected();
  void relay();
  void touch();
  void finish(const std::string& why);

  ProxyServer& server_;
  std::uint64_t id_;
  std::unique_ptr<bottle::uv::TcpStream> client_;
  std::unique_ptr<bottle::uv::TcpStream> upstream_;
  std::unique_ptr<bottle::uv::Resolve> resolve_;
  std::unique_ptr<Parser> parser_;
  std::string head_;         // bytes read while the head is incomplete
  std::string to_upstream_;  // what goes upstream first: a rewritten head, early bytes
  bool connect_ = false;
  ProxyTarget target_;
  std::vector<IpAddress> candidates_;
  std::size_t next_candidate_ = 0;
  bottle::uv::Timer phase_timer_;  // header, then dial deadline
  bottle::uv::Timer idle_timer_;
  bottle::uv::Timer lifetime_timer_;
  Decision decision_;
  std::chrono::steady_clock::time_point started_;
  bool client_done_ = false;
  bool upstream_done_ = false;
  bool finished_ = false;
  bool logged_ = false;
  bool relaying_ = false;
  std::string audit_note_;
};

}  // namespace pipelock
