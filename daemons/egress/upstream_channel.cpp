#include "upstream_channel.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstring>

namespace egress {

namespace http = boost::beast::http;

namespace {
constexpr std::size_t kMaxProxyReply = 16 * 1024;
}

UpstreamChannel::UpstreamChannel(bottle::uv::Loop& loop, const bottle::tls::ClientContext& tls,
                                 const ProxySettings& proxies, std::string host, int port,
                                 Callbacks callbacks)
    : loop_(loop),
      tls_context_(tls),
      proxy_(proxies.proxy_for(host)),
      host_(std::move(host)),
      port_(port),
      cb_(std::move(callbacks)) {}

std::string UpstreamChannel::describe() const {
  std::string s = host_ + ":" + std::to_string(port_);
  if (proxy_) s += " via " + proxy_->host + ":" + std::to_string(proxy_->port);
  return s;
}

void UpstreamChannel::open() {
  const std::string& dial_host = proxy_ ? proxy_->host : host_;
  const int dial_port = proxy_ ? proxy_->port : port_;
  resolve_ = std::make_unique<bottle::uv::Resolve>(
      loop_, dial_host, dial_port, [this, dial_host](int status, const addrinfo* results) {
        if (status != 0) {
          fail("cannot resolve " + dial_host + ": " + uv_strerror(status));
          return;
        }
        for (const addrinfo* ai = results; ai; ai = ai->ai_next) {
          sockaddr_storage ss{};
          std::memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
          addresses_.push_back(ss);
        }
        dial_next();
      });
}

void UpstreamChannel::dial_next() {
  if (next_address_ >= addresses_.size()) {
    fail(proxy_ ? "cannot connect to the proxy " + proxy_->host + ":" + std::to_string(proxy_->port)
                : "cannot connect to " + host_ + ":" + std::to_string(port_));
    return;
  }
  tcp_ = std::make_unique<bottle::uv::TcpStream>(loop_);
  tcp_->connect(reinterpret_cast<const sockaddr*>(&addresses_[next_address_++]),
                [this](int status) {
                  if (status == 0) {
                    on_connected();
                  } else {
                    dial_next();
                  }
                });
}

void UpstreamChannel::on_connected() {
  tcp_->read(
      [this](std::string_view data) {
        proxy_ && !tls_ ? on_proxy_reply(data) : on_ciphertext(data);
      },
      [this](int status) {
        if (!ready_) {
          fail(std::string("connection closed during ") + (tls_ ? "the TLS handshake" : "CONNECT") +
               (status < 0 ? std::string(": ") + uv_strerror(status) : ""));
        } else if (!failed_ && cb_.end) {
          cb_.end();
        }
      });
  if (!proxy_) {
    start_tls({});
    return;
  }
  const std::string authority = host_ + ":" + std::to_string(port_);
  tcp_->write("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
}

void UpstreamChannel::on_proxy_reply(std::string_view data) {
  proxy_reply_.append(data);
  http::response_parser<http::empty_body> parser;
  parser.skip(true);  // a reply to CONNECT has no body; what follows is the tunnel
  boost::beast::error_code ec;
  const std::size_t used =
      parser.put(boost::asio::buffer(proxy_reply_.data(), proxy_reply_.size()), ec);
  if (ec == http::error::need_more) {
    if (proxy_reply_.size() > kMaxProxyReply) fail("the proxy's reply to CONNECT is too long");
    return;
  }
  if (ec) {
    fail("the proxy's reply to CONNECT is not HTTP: " + ec.message());
    return;
  }
  const auto& reply = parser.get();
  if (reply.result_int() / 100 != 2) {
    std::string why(reply.reason());
    if (auto it = reply.find("X-Pipelock-Block-Reason"); it != reply.end()) {
      why = std::string(it->value());
    }
    fail("the proxy refused CONNECT " + host_ + ":" + std::to_string(port_) + ": " +
         std::to_string(reply.result_int()) + " " + why);
    return;
  }
  const std::string early = proxy_reply_.substr(used);
  proxy_reply_.clear();
  start_tls(early);
}

void UpstreamChannel::start_tls(std::string_view early) {
  try {
    tls_ = bottle::tls::Session::client(tls_context_, host_);
  } catch (const std::exception& e) {
    fail(e.what());
    return;
  }
  tls_->start();
  flush();
  if (!early.empty()) on_ciphertext(early);
}

void UpstreamChannel::on_ciphertext(std::string_view data) {
  if (failed_) return;
  std::string plaintext;
  const bool was_ready = ready_;
  auto error = tls_->receive(data, plaintext);
  flush();
  if (error) {
    fail(*error);
    return;
  }
  if (!was_ready && tls_->established()) {
    ready_ = true;
    if (cb_.ready) cb_.ready();
    if (failed_) return;
  }
  if (!plaintext.empty() && cb_.data) cb_.data(plaintext);
  if (tls_ && tls_->peer_closed() && !failed_ && cb_.end) {
    // close_notify: nothing more will come, even if the socket stays open.
    tcp_->pause_reading();
    cb_.end();
  }
}

void UpstreamChannel::write(std::string_view plaintext) {
  if (!tls_ || failed_) return;
  tls_->send(plaintext);
  flush();
}

void UpstreamChannel::flush() {
  std::string out = tls_->take_output();
  if (out.empty()) return;
  // Out at once when the socket takes it (a write without a callback costs
  // no epoll_ctl); only what is held back is waited for, with an empty
  // write behind it: writes complete in order.
  tcp_->write(std::move(out));
  if (tcp_->write_queue_bytes() == 0) return;
  tcp_->write(std::string(), [this](int status) {
    if (status < 0) {
      fail(std::string("write to ") + host_ + " failed: " + uv_strerror(status));
    } else if (cb_.drained) {
      cb_.drained();
    }
  });
}

void UpstreamChannel::pause_reading() {
  if (tcp_) tcp_->pause_reading();
}

void UpstreamChannel::resume_reading() {
  if (tcp_) tcp_->resume_reading();
}

void UpstreamChannel::fail(const std::string& why) {
  if (failed_) return;
  failed_ = true;
  resolve_.reset();
  if (tcp_) tcp_->pause_reading();
  if (cb_.failed) cb_.failed(describe() + ": " + why);
}

}  // namespace egress
