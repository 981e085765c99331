#pragma once

#include <netdb.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bottle/tls/session.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/tcp.hpp"
#include "proxy_settings.hpp"

namespace egress {

// One TLS connection to an upstream, made through the CONNECT proxy when
// there is one: resolve, dial, CONNECT, handshake (certificate verified for
// the upstream's name), then plaintext both ways. Every failure, before or
// after it is ready, arrives once as a reason that names the upstream and
// holds nothing of the traffic (so never a token).
class UpstreamChannel {
 public:
  struct Callbacks {
    std::function<void()> ready;
    std::function<void(std::string_view plaintext)> data;
    std::function<void()> end;  // the upstream closed (cleanly or not) after ready
    std::function<void(const std::string& why)> failed;
    std::function<void()> drained;  // a write reached the kernel
  };

  UpstreamChannel(bottle::uv::Loop& loop, const bottle::tls::ClientContext& tls,
                  const ProxySettings& proxies, std::string host, int port, Callbacks callbacks);
  UpstreamChannel(const UpstreamChannel&) = delete;
  UpstreamChannel& operator=(const UpstreamChannel&) = delete;

  void open();
  void write(std::string_view plaintext);
  std::size_t write_queue_bytes() const { return tcp_ ? tcp_->write_queue_bytes() : 0; }
  void pause_reading();
  void resume_reading();
  // "host:port via proxy" for logs and errors.
  std::string describe() const;

 private:
  void dial_next();
  void on_connected();
  void on_proxy_reply(std::string_view data);
  void start_tls(std::string_view early);
  void on_ciphertext(std::string_view data);
  void flush();
  void fail(const std::string& why);

  bottle::uv::Loop& loop_;
  const bottle::tls::ClientContext& tls_context_;
  std::optional<ProxySettings::Proxy> proxy_;
  std::string host_;
  int port_;
  Callbacks cb_;
  std::unique_ptr<bottle::uv::Resolve> resolve_;
  std::vector<sockaddr_storage> addresses_;
  std::size_t next_address_ = 0;
  std::unique_ptr<bottle::uv::TcpStream> tcp_;
  std::unique_ptr<bottle::tls::Session> tls_;
  std::string proxy_reply_;
  bool ready_ = false;
  bool failed_ = false;
};

}  // namespace egress
