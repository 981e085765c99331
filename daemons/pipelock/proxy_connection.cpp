#include "proxy_connection.hpp"

#include <netdb.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/write.hpp>
#include <cstring>
#include <sstream>

#include "proxy_server.hpp"

namespace pipelock {

namespace http = boost::beast::http;

namespace {

// Past this many bytes queued towards one side, stop reading the other.
constexpr std::size_t kHighWater = 256 * 1024;
constexpr std::uint64_t kDialTimeoutMs = 10'000;

const char* status_text(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
  }
  return "Error";
}

// The reason goes into a header: nothing a client sent may break the line.
std::string header_safe(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  return out;
}

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
  parser_->header_limit(static_cast<std::uint32_t>(server.config().max_header_bytes));
}

void ProxyConnection::start() {
  const int seconds = server_.config().header_timeout_seconds;
  // Slowloris: the whole head must arrive in time, however it trickles in.
  phase_timer_.start(static_cast<std::uint64_t>(seconds) * 1000, [this, seconds] {
    refuse(408, "request header not complete within " + std::to_string(seconds) + "s");
  });
  client_->read([this](std::string_view data) { on_client_data(data); },
                [this](int) { finish("client closed before sending a request"); });
}

void ProxyConnection::on_client_data(std::string_view data) {
  head_.append(data);
  boost::beast::error_code ec;
  const std::size_t used = parser_->put(boost::asio::buffer(head_.data(), head_.size()), ec);
  // Beast takes the head in one piece, so the bytes kept while it is
  // incomplete are bounded by the header limit too.
  const int limit = server_.config().max_header_bytes;
  if (ec == http::error::header_limit ||
      (ec == http::error::need_more && head_.size() > static_cast<std::size_t>(limit))) {
    refuse(431, "request header larger than " + std::to_string(limit) + " bytes");
    return;
  }
  if (ec == http::error::need_more) return;
  if (ec && ec != http::error::need_buffer) {
    refuse(400, "malformed request: " + ec.message());
    return;
  }
  if (!parser_->is_header_done()) return;
  client_->pause_reading();
  phase_timer_.stop();
  to_upstream_ = head_.substr(used);  // early body or tunnel bytes
  head_.clear();
  on_head(parser_->get());
}

void ProxyConnection::on_head(const Parser::value_type& request) {
  connect_ = request.method() == http::verb::connect;
  decision_.method = std::string(request.method_string());
  const auto& cfg = server_.config();
  std::string problem;
  const std::string_view raw_target(request.target().data(), request.target().size());
  std::optional<ProxyTarget> target = connect_ ? parse_connect_target(raw_target, &problem)
                                               : parse_absolute_uri(raw_target, &problem);
  if (!target) {
    decision_.host = std::string(raw_target.substr(0, 200));
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
  if (auto why = server_.policy().target_refusal(target_)) {
    if (blocked_by_policy(*why)) return;
  }
  if (!connect_) {
    // One request per connection to the upstream: a second request on a
    // kept-alive connection could name another host and skip the checks.
    Parser::value_type forward = request;
    forward.target(target_.origin_form);
    for (auto name : {"Proxy-Connection", "Proxy-Authorization", "Keep-Alive", "Connection"}) {
      forward.erase(name);
    }
    const bool v6 = target_.ip_literal && target_.host.find(':') != std::string::npos;
    forward.set(http::field::host,
                (v6 ? "[" + target_.host + "]" : target_.host) +
                    (target_.port == 80 ? "" : ":" + std::to_string(target_.port)));
    forward.set(http::field::connection, "close");
    std::ostringstream head;
    head << forward.base();
    to_upstream_ = head.str() + to_upstream_;
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
    refuse(502, "cannot connect to " + target_.host + ":" + std::to_string(target_.port));
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
      dial_next();
    }
  });
}

void ProxyConnection::on_upstream_connected() {
  phase_timer_.stop();
  relaying_ = true;
  decision_.allowed = true;
  decision_.reason = audit_note_.empty() ? (connect_ ? "tunnel" : "forwarded") : audit_note_;
  if (connect_) client_->write("HTTP/1.1 200 Connection Established\r\n\r\n");
  if (!to_upstream_.empty()) {
    decision_.bytes_to_upstream += to_upstream_.size();
    upstream_->write(std::move(to_upstream_));
    to_upstream_.clear();
  }
  const auto& cfg = server_.config();
  lifetime_timer_.start(static_cast<std::uint64_t>(cfg.max_tunnel_seconds) * 1000,
                        [this] { finish("tunnel lifetime limit reached"); });
  touch();
  relay();
}

void ProxyConnection::relay() {
  auto pipe = [this](bottle::uv::TcpStream& from, bottle::uv::TcpStream& to, std::uint64_t& counter,
                     bool& from_done, const char* side) {
    from.read(
        [this, &from, &to, &counter](std::string_view data) {
          counter += data.size();
          touch();
          to.write(std::string(data), [this, &from, &to](int status) {
            if (status < 0) {
              finish("write failed");
            } else if (to.write_queue_bytes() < kHighWater / 2) {
              from.resume_reading();
            }
          });
          if (to.write_queue_bytes() > kHighWater) from.pause_reading();
        },
        [this, &to, &from_done, side](int status) {
          if (status < 0) {
            finish(std::string(side) + " connection error: " + uv_strerror(status));
            return;
          }
          from_done = true;
          to.shutdown_write();
          if (client_done_ && upstream_done_) finish("closed");
        });
  };
  pipe(*client_, *upstream_, decision_.bytes_to_upstream, client_done_, "client");
  pipe(*upstream_, *client_, decision_.bytes_to_client, upstream_done_, "upstream");
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

void ProxyConnection::refuse(int status, const std::string& reason) {
  if (finished_ || logged_) return;
  phase_timer_.stop();
  resolve_.reset();
  upstream_.reset();
  decision_.allowed = false;
  decision_.reason = reason;
  decision_.duration = std::chrono::steady_clock::now() - started_;
  server_.log().record(decision_);
  logged_ = true;
  const std::string body = (connect_ ? "CONNECT blocked: " : "blocked: ") + reason + "\n";
  std::string response =
      "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) +
      "\r\nContent-Type: text/plain\r\nX-Pipelock-Block-Reason: " + header_safe(reason) +
      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
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
    server_.log().record(decision_);
  }
  logged_ = true;
  phase_timer_.stop();
  idle_timer_.stop();
  lifetime_timer_.stop();
  resolve_.reset();
  if (client_) client_->pause_reading();
  if (upstream_) upstream_->pause_reading();
  server_.release(id_);
}

}  // namespace pipelock
