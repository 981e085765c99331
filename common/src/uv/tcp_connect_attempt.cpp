#include "bottle/uv/tcp_connect_attempt.hpp"

#include "bottle/uv/callback_guard.hpp"
#include "socket_address.hpp"

namespace bottle::uv {

struct TcpConnectAttempt::ConnectRequest {
  uv_connect_t req{};
  TcpConnectAttempt* owner;
};

TcpConnectAttempt::TcpConnectAttempt(Loop& loop, const std::string& host, int port,
                                     std::function<void(bool)> on_done)
    : on_done_(std::move(on_done)) {
  check(uv_tcp_init(loop.get(), handle_.get()), "uv_tcp_init");
  handle_.mark_initialized(this);
  sockaddr_storage addr = socket_address(host, port, "address");
  request_ = new ConnectRequest{{}, this};
  int rc = uv_tcp_connect(&request_->req, handle_.get(), reinterpret_cast<sockaddr*>(&addr),
                          [](uv_connect_t* req, int status) {
                            auto* request = reinterpret_cast<ConnectRequest*>(req);
                            TcpConnectAttempt* owner = request->owner;
                            delete request;
                            if (owner == nullptr) return;
                            owner->request_ = nullptr;
                            auto done = std::move(owner->on_done_);
                            guarded("tcp connect", [&] { done(status == 0); });  // may destroy it
                          });
  if (rc < 0) {
    delete request_;
    request_ = nullptr;
    throw Error("connect " + host, rc);
  }
}

TcpConnectAttempt::~TcpConnectAttempt() {
  // Closing the handle cancels the request; its callback must not touch us then.
  if (request_ != nullptr) request_->owner = nullptr;
}

}  // namespace bottle::uv
