#include "proxy_connection.hpp"

#include <fcntl.h>
#include <netdb.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/write.hpp>
#include <cstring>
#include <limits>
#include <sstream>
#include <system_error>

#include "bottle/http/chunked.hpp"
#include "bottle/http/loggable_target.hpp"
#include "bottle/http/response.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "interception.hpp"
#include "proxy_server.hpp"

namespace pipelock {

namespace http = boost::beast::http;

namespace {

// Past this many bytes queued towards one side, stop reading the other.
constexpr std::size_t kHighWater = 256 * 1024;
constexpr std::uint64_t kDialTimeoutMs = 10'000;
// A request body is decoded in pieces of at most this much.
constexpr std::size_t kBodyPiece = 64 * 1024;

bool is_ip_literal_host(const std::string& host) { return IpAddress::parse(host).has_value(); }

std::string_view text_of(boost::beast::string_view v) { return {v.data(), v.size()}; }

}  // namespace

ProxyConnection::ProxyConnection(ProxyServer& server, std::uint64_t id,
                                 std::unique_ptr<bottle::uv::TcpStream> client)
    : server_(server),
      id_(id),
      client_(std::move(client)),
      parser_(std::make_unique<Parser>()),
      phase_timer_(server.loop()),
      idle_timer_(server.loop()),
      lifetime_timer_(server.loop()),
      started_(std::chrono::steady_clock::now()) {
  decision_.client = client_->peer();
  client_local_ = client_->peer_is_local();
  // pipelock bounds the whole head itself (read_head); Beast's own limit,
  // which leaves the request line out, is only a backstop.
  parser_->header_limit(static_cast<std::uint32_t>(server.config().max_header_bytes));
  // A body of any size streams through; its framing is what is checked.
  // Not boost::none: Boost 1.74 compares a Content-Length with the optional
  // itself, and every length is greater than none.
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
}

void ProxyConnection::start() {
  const int seconds = server_.config().header_timeout_seconds;
  // Slowloris: the whole head must arrive in time, however it trickles in.
  phase_timer_.start(static_cast<std::uint64_t>(seconds) * 1000, [this, seconds] {
    refuse(408, "request header not complete within " + std::to_string(seconds) + "s");
  });
  client_->read([this](std::string_view data) { on_client_data(data); },
                [this](int status) { on_client_end(status); });
}

void ProxyConnection::on_client_data(std::string_view data) {
  switch (client_stream_) {
    case ClientStream::head:
      read_head(data);
      return;
    case ClientStream::held:
      pending_.append(data);  // early bytes; the client is paused right after the head
      return;
    case ClientStream::hello:
      check_hello(data);
      return;
    case ClientStream::tunnel:
    case ClientStream::to_splice:  // paused; a read already on its way is relayed as before
      decision_.bytes_to_upstream += data.size();
      touch();
      to_upstream(std::string(data));
      return;
    case ClientStream::request_body:
      feed_body(data);
      return;
    case ClientStream::request_ended:
      // A second request on the connection (pipelined): read only to be
      // dropped (and to see the client's end), never forwarded.
      unforwarded_bytes_ += data.size();
      return;
    case ClientStream::intercepted:
      decision_.bytes_to_upstream += data.size();
      touch();
      session_->from_client(data);
      return;
    case ClientStream::spliced:
      return;  // the socket is SpliceTunnel's; nothing comes this way
  }
}

void ProxyConnection::on_client_end(int status) {
  if (client_stream_ == ClientStream::head && status == 0 &&
      (head_bytes_ > 0 || !pending_.empty())) {
    // Part of a head, then the client's end: the same answer however the
    // bytes were cut (whole, the parser may already have refused a field it
    // holds in pieces only once the head is complete, which now never comes).
    refuse(400, "malformed request: the client ended before the end of the request head");
    return;
  }
  if (client_stream_ == ClientStream::head || client_stream_ == ClientStream::held) {
    finish("client closed before sending a request");
    return;
  }
  if (status < 0) {
    finish(std::string("client connection error: ") + uv_strerror(status));
    return;
  }
  if (client_stream_ == ClientStream::hello) {
    block_tunnel("the client closed the tunnel before a complete TLS ClientHello");
    return;
  }
  if (client_stream_ == ClientStream::request_body) {
    finish("client closed in the middle of the request body");
    return;
  }
  client_done_ = true;
  if (session_) {
    session_->client_ended();
    return;
  }
  if (upstream_ && client_stream_ == ClientStream::tunnel) shut_down(*upstream_);
  // The client's end comes after it has read the response (or given up).
  finish_when_both_ended();
}

void ProxyConnection::shut_down(bottle::uv::TcpStream& side) {
  ++shutdowns_pending_;
  side.shutdown_write([this](int) {
    --shutdowns_pending_;
    finish_when_both_ended();
  });
}

void ProxyConnection::finish_when_both_ended() {
  // Not before the half-closes are done: libuv may still hold the end of a
  // download for the agent, and ending the connection would drop it.
  if (client_done_ && upstream_done_ && shutdowns_pending_ == 0) finish("closed");
}

void ProxyConnection::read_head(std::string_view data) {
  const std::size_t limit = static_cast<std::size_t>(server_.config().max_header_bytes);
  pending_.append(data);
  // The parser is fed only what it has not consumed: it takes the head in
  // pieces (the request line, then fields) as they arrive, however the
  // client splits its writes.
  while (!pending_.empty() && !parser_->is_header_done()) {
    boost::beast::error_code ec;
    const std::size_t used =
        parser_->put(boost::asio::buffer(pending_.data(), pending_.size()), ec);
    raw_head_.append(pending_, 0, used);
    pending_.erase(0, used);
    head_bytes_ += used;
    if (ec == http::error::need_more) break;
    if (ec == http::error::header_limit) {
      refuse(431, "request header larger than " + std::to_string(limit) + " bytes");
      return;
    }
    if (ec) {
      refuse(400, "malformed request: " + ec.message());
      return;
    }
    if (used == 0) break;
  }
  // The limit covers the whole head, request line included.
  if (head_bytes_ + (parser_->is_header_done() ? 0 : pending_.size()) > limit) {
    refuse(431, "request header larger than " + std::to_string(limit) + " bytes");
    return;
  }
  if (!parser_->is_header_done()) return;
  client_->pause_reading();
  phase_timer_.stop();
  client_stream_ = ClientStream::held;
  on_head(parser_->get());
}

void ProxyConnection::on_head(const Parser::value_type& request) {
  connect_ = request.method() == http::verb::connect;
  // A method Beast does not know is any token the agent chose (a secret, say).
  decision_.method = request.method() == http::verb::unknown
                         ? bottle::text::shown_input(text_of(request.method_string()), 12)
                         : std::string(request.method_string());
  const auto& cfg = server_.config();
  std::string problem;
  const std::string_view raw_target(request.target().data(), request.target().size());
  std::optional<ProxyTarget> target = connect_ ? parse_connect_target(raw_target, &problem)
                                               : parse_absolute_uri(raw_target, &problem);
  if (!target) {
    // What the client sent, for the log: query values can be secrets, and so
    // can a long authority that does not parse.
    decision_.host = connect_ ? bottle::text::shown_input(raw_target, 64)
                              : bottle::http::loggable_target(raw_target);
    refuse(400, problem);
    return;
  }
  target_ = *target;
  decision_.host = target_.host;
  decision_.port = target_.port;
  if (!cfg.forward_enabled) {
    refuse(405, "forward proxy disabled (forward_proxy.enabled is false)");
    return;
  }
  if (auto why = server_.policy().exfiltration_refusal(target_)) {
    // The refused name is the data it carried: the log gets it redacted.
    decision_.host = HostnameExfiltrationCheck::redacted(target_.host);
    if (blocked_by_policy(*why)) return;
  }
  if (auto why = server_.policy().target_refusal(target_)) {
    if (blocked_by_policy(*why)) return;
  }
  if (!connect_) {
    // One request per connection to the upstream: a second request on a
    // kept-alive connection could name another host and skip the checks.
    http::request_header<> forward = request.base();
    forward.target(target_.origin_form);
    for (auto name : {"Proxy-Connection", "Proxy-Authorization", "Keep-Alive", "Connection"}) {
      forward.erase(name);
    }
    const bool v6 = target_.ip_literal && target_.host.find(':') != std::string::npos;
    forward.set(http::field::host,
                (v6 ? "[" + target_.host + "]" : target_.host) +
                    (target_.port == 80 ? "" : ":" + std::to_string(target_.port)));
    forward.set(http::field::connection, "close");
    chunked_body_ = request.chunked();
    std::ostringstream head;
    head << forward;
    head_to_upstream_ = head.str();
  }
  resolve();
}

void ProxyConnection::resolve() {
  phase_timer_.start(kDialTimeoutMs, [this] { refuse(504, "upstream did not answer in time"); });
  auto check_all = [this](std::vector<IpAddress> addresses) {
    // Every address must pass: a name with one internal address among public
    // ones is how a rebinding attack would look.
    for (const auto& a : addresses) {
      if (auto why = server_.policy().address_refusal(target_, a)) {
        if (blocked_by_policy(*why)) return;
      }
    }
    candidates_ = std::move(addresses);
    dial_next();
  };
  if (target_.ip_literal) {
    check_all({*IpAddress::parse(target_.host)});
    return;
  }
  if (const auto* fixed = server_.policy().override_for(target_.host)) {
    check_all(*fixed);
    return;
  }
  resolve_ = std::make_unique<bottle::uv::Resolve>(
      server_.loop(), target_.host, target_.port,
      [this, check_all](int status, const addrinfo* results) {
        if (status != 0) {
          refuse(502, "cannot resolve " + target_.host + ": " + uv_strerror(status));
          return;
        }
        std::vector<IpAddress> addresses;
        for (const addrinfo* ai = results; ai; ai = ai->ai_next) {
          if (auto a = IpAddress::from_sockaddr(ai->ai_addr)) addresses.push_back(*a);
        }
        if (addresses.empty()) {
          refuse(502, "no address for " + target_.host);
          return;
        }
        check_all(std::move(addresses));
      });
}

void ProxyConnection::dial_next() {
  if (next_candidate_ >= candidates_.size()) {
    const std::string where = target_.ip_literal
                                  ? IpAddress::parse(target_.host)->with_port(target_.port)
                                  : target_.host + ":" + std::to_string(target_.port);
    // The last attempt's error names the cause: refused, unreachable, or
    // pipelock out of file descriptors.
    refuse(502, "cannot connect to " + where + (dial_error_.empty() ? "" : ": " + dial_error_));
    return;
  }
  const IpAddress& a = candidates_[next_candidate_++];
  sockaddr_storage ss{};
  if (a.v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    std::memcpy(&in6->sin6_addr, a.bytes.data(), 16);
    in6->sin6_port = htons(static_cast<uint16_t>(target_.port));
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    std::memcpy(&in->sin_addr, a.bytes.data(), 4);
    in->sin_port = htons(static_cast<uint16_t>(target_.port));
  }
  upstream_ = std::make_unique<bottle::uv::TcpStream>(server_.loop());
  upstream_->connect(reinterpret_cast<sockaddr*>(&ss), [this](int status) {
    if (status == 0) {
      on_upstream_connected();
    } else {
      dial_error_ = uv_strerror(status);
      dial_next();
    }
  });
}

void ProxyConnection::on_upstream_connected() {
  phase_timer_.stop();
  relaying_ = true;
  decision_.allowed = true;
  decision_.reason = audit_note_.empty() ? (connect_ ? "tunnel" : "forwarded") : audit_note_;
  const auto& cfg = server_.config();
  lifetime_timer_.start(static_cast<std::uint64_t>(cfg.max_tunnel_seconds) * 1000,
                        [this] { finish("tunnel lifetime limit reached"); });
  touch();
  relay_upstream();
  std::string early = std::move(pending_);
  pending_.clear();
  if (connect_) {
    client_->write("HTTP/1.1 200 Connection Established\r\n\r\n");
    // An intercepted tunnel's first bytes tell TLS from plain HTTP.
    if (cfg.sni_verification || intercepting()) {
      // The ClientHello must come in time, as the head had to.
      const int seconds = cfg.header_timeout_seconds;
      phase_timer_.start(static_cast<std::uint64_t>(seconds) * 1000, [this, seconds] {
        block_tunnel("no complete TLS ClientHello within " + std::to_string(seconds) + "s");
      });
      client_stream_ = ClientStream::hello;
      client_->resume_reading();
      if (!early.empty()) check_hello(early);
      return;
    }
    open_tunnel(std::move(early));
    return;
  }
  if (intercepting()) {
    // Read as an intercepted tunnel's requests are: DLP, URL entropy, and
    // this host only for any request after it on the connection.
    intercept(false, std::move(raw_head_) + early);
    // Not when the session paused it (a scan is out) or ended already (a
    // refusal on its way out).
    if (!session_holds_client_ && !session_ended_) client_->resume_reading();
    return;
  }
  decision_.bytes_to_upstream += head_to_upstream_.size();
  to_upstream(std::move(head_to_upstream_));
  client_stream_ = ClientStream::request_body;
  client_->resume_reading();
  feed_body(early);
}

void ProxyConnection::check_hello(std::string_view data) {
  hello_bytes_.append(data);
  switch (hello_.feed(data)) {
    case ClientHelloReader::State::need_more:
      return;
    case ClientHelloReader::State::malformed:
      block_tunnel("malformed TLS ClientHello: " + hello_.problem());
      return;
    case ClientHelloReader::State::not_tls:
      if (server_.config().sni_require_tls) {
        block_tunnel(
            "the tunnel does not start with a TLS ClientHello "
            "(forward_proxy.sni_require_tls)");
        return;
      }
      break;
    case ClientHelloReader::State::done: {
      const auto& sni = hello_.server_name();
      if (sni && *sni != target_.host) {
        block_tunnel("SNI mismatch: CONNECT to " + target_.host +
                     " carries a TLS ClientHello for " + *sni);
        return;
      }
      if (!sni && !is_ip_literal_host(target_.host)) {
        block_tunnel("TLS ClientHello without a server name (SNI) for CONNECT to " + target_.host);
        return;
      }
      break;
    }
  }
  phase_timer_.stop();
  std::string held = std::move(hello_bytes_);
  hello_bytes_.clear();
  if (intercepting()) {
    intercept(hello_.state() == ClientHelloReader::State::done, std::move(held));
    return;
  }
  open_tunnel(std::move(held));
}

void ProxyConnection::open_tunnel(std::string held) {
  client_stream_ = ClientStream::tunnel;
  decision_.bytes_to_upstream += held.size();
  touch();
  to_upstream(std::move(held));
  if (server_.config().splice_tunnels && !client_done_ && !upstream_done_) {
    // Nothing is read while libuv still holds bytes for either side: the
    // kernel's pipe must carry on exactly where libuv's queue ends.
    client_stream_ = ClientStream::to_splice;
    client_->pause_reading();
    upstream_->pause_reading();
    splice_if_drained();
    return;
  }
  if (upstream_->write_queue_bytes() <= kHighWater) client_->resume_reading();
}

void ProxyConnection::splice_if_drained() {
  if (finished_ || client_stream_ != ClientStream::to_splice) return;
  // A write's callback comes back here once its bytes are in the kernel.
  if (client_->write_queue_bytes() > 0 || upstream_->write_queue_bytes() > 0) return;
  // This tunnel is relayed the buffered way when splicing cannot be set up.
  auto copy_instead = [this] {
    client_stream_ = ClientStream::tunnel;
    client_->resume_reading();
    upstream_->resume_reading();
  };
  if (!SpliceTunnel::room_for_another(static_cast<std::size_t>(server_.config().max_connections))) {
    // Four more descriptors per tunnel: when they would take what new
    // connections need, this tunnel copies.
    copy_instead();
    return;
  }
  auto dup_of = [](const bottle::uv::TcpStream& s) {
    uv_os_fd_t fd = -1;
    bottle::uv::check(uv_fileno(reinterpret_cast<const uv_handle_t*>(s.raw()), &fd), "uv_fileno");
    bottle::UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!copy.valid()) throw std::system_error(errno, std::generic_category(), "dup");
    return copy;
  };
  try {
    SpliceTunnel::Events events;
    events.moved = [this](SpliceTunnel::Side to, std::size_t bytes) {
      (to == SpliceTunnel::Side::upstream ? decision_.bytes_to_upstream
                                          : decision_.bytes_to_client) += bytes;
      touch();
    };
    events.ended = [this](const std::string& why) { finish(why); };
    splice_ = std::make_unique<SpliceTunnel>(server_.loop(), dup_of(*client_), dup_of(*upstream_),
                                             std::move(events));
  } catch (const std::exception& e) {
    // Out of fds or pipes.
    decision_.reason += std::string(" (relayed without splice: ") + e.what() + ")";
    copy_instead();
    return;
  }
  // Closing the handles takes the original fds out of libuv's epoll set and
  // closes them; the sockets live on in the duplicates.
  client_.reset();
  upstream_.reset();
  client_stream_ = ClientStream::spliced;
  splice_->start();
}

bool ProxyConnection::intercepting() const {
  return server_.interception() && !client_local_ && !server_.policy().passthrough(target_.host);
}

void ProxyConnection::intercept(bool tls, std::string held) {
  client_stream_ = ClientStream::intercepted;
  decision_.reason = tls ? "intercepted" : "intercepted (plain HTTP)";
  InterceptedSession::Io io;
  io.to_client = [this](std::string bytes) { to_client(std::move(bytes)); };
  io.to_upstream = [this](std::string bytes) { to_upstream(std::move(bytes)); };
  io.decided = [this](const Decision& d) {
    Decision line = d;
    line.duration = std::chrono::steady_clock::now() - started_;
    server_.log().record(line);
  };
  io.end = [this](const std::string& why) {
    session_ended_ = true;
    // After what is queued for the agent (a refusal): the write's callback
    // comes once it is written, in order.
    client_->pause_reading();
    if (upstream_) upstream_->pause_reading();
    client_->write(std::string(), [this, why](int) { finish(why); });
  };
  io.client_reading = [this](bool on) {
    session_holds_client_ = !on;
    if (finished_ || session_ended_) return;
    if (!on) {
      client_->pause_reading();
    } else if (!upstream_ || upstream_->write_queue_bytes() <= kHighWater) {
      client_->resume_reading();
    }
  };
  try {
    session_ = std::make_unique<InterceptedSession>(
        server_.interception()->context(),
        InterceptedSession::Shared{server_.dlp_scans(), server_.held_bytes()}, target_, decision_,
        tls ? InterceptedSession::Layer::tls : InterceptedSession::Layer::plain, std::move(io));
  } catch (const std::exception& e) {
    block_tunnel(std::string("cannot intercept: ") + e.what());
    return;
  }
  touch();
  decision_.bytes_to_upstream += held.size();
  session_->from_client(held);
}

void ProxyConnection::to_client(std::string bytes) {
  if (bytes.empty()) return;
  decision_.bytes_to_client += bytes.size();
  client_->write(std::move(bytes), [this](int status) {
    if (status < 0) {
      finish("write to client failed");
    } else if (client_stream_ == ClientStream::to_splice) {
      splice_if_drained();
    } else if (upstream_ && client_->write_queue_bytes() < kHighWater / 2) {
      upstream_->resume_reading();
    }
  });
  if (upstream_ && client_->write_queue_bytes() > kHighWater) upstream_->pause_reading();
}

void ProxyConnection::feed_body(std::string_view data) {
  pending_.append(data);
  char piece[kBodyPiece];
  while (!parser_->is_done()) {
    auto& body = parser_->get().body();
    body.data = piece;
    body.size = sizeof piece;
    boost::beast::error_code ec;
    const std::size_t used =
        parser_->put(boost::asio::buffer(pending_.data(), pending_.size()), ec);
    pending_.erase(0, used);
    const std::size_t produced = sizeof piece - body.size;
    if (produced > 0) {
      std::string_view bytes(piece, produced);
      std::string framed = chunked_body_ ? bottle::http::chunk(bytes) : std::string(bytes);
      decision_.bytes_to_upstream += framed.size();
      to_upstream(std::move(framed));
    }
    if (ec == http::error::need_buffer) continue;  // the piece is full: decode more
    if (ec == http::error::need_more) return;      // wait for the client
    if (ec) {
      // The head is already upstream: all that is left is to end both sides.
      finish("malformed request body: " + ec.message());
      return;
    }
    if (used == 0 && produced == 0) return;
  }
  if (chunked_body_) {
    decision_.bytes_to_upstream += bottle::http::kLastChunk.size();
    to_upstream(std::string(bottle::http::kLastChunk));
  }
  // Exactly one request went upstream. Whatever else the client sent is not
  // forwarded: not checked, so never passed on.
  client_stream_ = ClientStream::request_ended;
  unforwarded_bytes_ += pending_.size();
  pending_.clear();
}

void ProxyConnection::to_upstream(std::string bytes) {
  if (bytes.empty()) return;
  upstream_->write(std::move(bytes), [this](int status) {
    if (status < 0) {
      finish("write to upstream failed");
    } else if (client_stream_ == ClientStream::to_splice) {
      splice_if_drained();
    } else if (upstream_->write_queue_bytes() < kHighWater / 2 &&
               (client_stream_ == ClientStream::tunnel ||
                client_stream_ == ClientStream::request_body ||
                (client_stream_ == ClientStream::intercepted && !session_holds_client_))) {
      client_->resume_reading();
    }
  });
  if (upstream_->write_queue_bytes() > kHighWater) client_->pause_reading();
}

void ProxyConnection::relay_upstream() {
  upstream_->read(
      [this](std::string_view data) {
        touch();
        if (session_) {
          session_->from_upstream(data);
          return;
        }
        to_client(std::string(data));
      },
      [this](int status) {
        if (status < 0) {
          finish(std::string("upstream connection error: ") + uv_strerror(status));
          return;
        }
        upstream_done_ = true;
        if (session_) {
          session_->upstream_ended();
          return;
        }
        // After the queued bytes: the client reads the whole response, then
        // its end, and closes; the idle timer bounds one that never does.
        shut_down(*client_);
        finish_when_both_ended();
      });
}

void ProxyConnection::touch() {
  const int seconds = server_.config().idle_timeout_seconds;
  idle_timer_.start(static_cast<std::uint64_t>(seconds) * 1000, [this] { finish("idle timeout"); });
}

bool ProxyConnection::blocked_by_policy(const std::string& why) {
  if (server_.config().blocking()) {
    refuse(403, why);
    return true;
  }
  // audit mode, or enforce: false: say what would have happened, and go on.
  audit_note_ = "audit: would block: " + why;
  return false;
}

void ProxyConnection::block_tunnel(const std::string& reason) {
  if (finished_ || logged_) return;
  if (!server_.config().blocking()) {
    // audit: the tunnel goes on, and the line says what would have been refused.
    decision_.reason = "tunnel, audit: would block: " + reason;
    phase_timer_.stop();
    std::string held = std::move(hello_bytes_);
    hello_bytes_.clear();
    open_tunnel(std::move(held));
    return;
  }
  decision_.allowed = false;
  decision_.reason = reason;
  decision_.duration = std::chrono::steady_clock::now() - started_;
  server_.log().record(decision_);
  logged_ = true;
  finish(reason);
}

void ProxyConnection::refuse(int status, const std::string& reason) {
  if (finished_ || logged_) return;
  phase_timer_.stop();
  resolve_.reset();
  upstream_.reset();
  decision_.allowed = false;
  // In audit mode what would have been blocked is kept beside what ended it.
  decision_.reason = audit_note_.empty() ? reason : reason + " (" + audit_note_ + ")";
  decision_.duration = std::chrono::steady_clock::now() - started_;
  server_.log().record(decision_);
  logged_ = true;
  const std::string body = (connect_ ? "CONNECT blocked: " : "blocked: ") + reason + "\n";
  // The reason goes into a header: complete_response keeps anything a client
  // sent from breaking its line.
  std::string response = bottle::http::complete_response(
      static_cast<unsigned>(status),
      {{"Content-Type", "text/plain"}, {"X-Pipelock-Block-Reason", reason}}, body);
  client_->pause_reading();
  client_->write(std::move(response), [this](int) { finish("refused"); });
}

void ProxyConnection::abort(const std::string& why) { finish(why); }

void ProxyConnection::finish(const std::string& why) {
  if (finished_) return;
  finished_ = true;
  // A client that connected and sent nothing is not a decision worth a line.
  if (!logged_ && (decision_.allowed || !decision_.method.empty())) {
    decision_.duration = std::chrono::steady_clock::now() - started_;
    if (decision_.reason.empty())
      decision_.reason = why;
    else
      decision_.reason += ", " + why;
    if (unforwarded_bytes_ > 0) {
      decision_.reason +=
          ", " + std::to_string(unforwarded_bytes_) + " bytes after the request not forwarded";
    }
    server_.log().record(decision_);
  }
  logged_ = true;
  if (session_) session_->abandon();
  if (splice_) splice_->stop();
  phase_timer_.stop();
  idle_timer_.stop();
  lifetime_timer_.stop();
  resolve_.reset();
  if (client_) client_->pause_reading();
  if (upstream_) upstream_->pause_reading();
  server_.release(id_);
}

}  // namespace pipelock
