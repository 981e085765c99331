#pragma once

#include <functional>
#include <string>

#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"

namespace bottle::uv {

// Its own unit, beside tcp.hpp rather than in it: the supervisor's readiness
// probe needs only this, and PID 1 links no more of the TCP wrappers than it uses.
// One TCP connection attempt; calls on_done(true) when the peer accepted.
class TcpConnectAttempt {
 public:
  TcpConnectAttempt(Loop& loop, const std::string& host, int port,
                    std::function<void(bool)> on_done);
  TcpConnectAttempt(const TcpConnectAttempt&) = delete;
  TcpConnectAttempt& operator=(const TcpConnectAttempt&) = delete;
  ~TcpConnectAttempt();

 private:
  struct ConnectRequest;
  OwnedHandle<uv_tcp_t> handle_;
  std::function<void(bool)> on_done_;
  ConnectRequest* request_ = nullptr;
};

}  // namespace bottle::uv
