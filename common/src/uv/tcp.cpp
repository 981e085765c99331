#include "bottle/uv/tcp.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>
#include <utility>
#include <vector>

#include "bottle/uv/callback_guard.hpp"
#include "socket_address.hpp"

namespace bottle::uv {

namespace {

struct WriteRequest {
  uv_write_t req{};
  std::vector<std::string> pieces;
  TcpStream::DoneFn on_written;
};

// The pieces as libuv buffers, in one vector of the thread's reused by every
// write (uv_write copies the array, uv_try_write does not keep it): no
// allocation per write for it.
std::vector<uv_buf_t>& buffers_of(std::vector<std::string>& pieces) {
  thread_local std::vector<uv_buf_t> bufs;
  bufs.clear();
  for (auto& p : pieces) bufs.push_back(uv_buf_init(p.data(), static_cast<unsigned>(p.size())));
  return bufs;
}

// Every read lands in one buffer of the thread's: libuv asks for it right
// before a read, and the read callback hands the bytes on (a string_view,
// copied by whoever keeps them) before the next read. A buffer allocated and
// freed per read was a tenth of egress's time per request in malloc.
constexpr std::size_t kReadBuffer = 64 * 1024;

void alloc_buffer(uv_handle_t*, size_t, uv_buf_t* buf) {
  thread_local const std::unique_ptr<char[]> buffer(new char[kReadBuffer]);
  buf->base = buffer.get();
  buf->len = kReadBuffer;
}

std::string format_address(const sockaddr_storage& ss) {
  char text[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
    return std::string(text) + ":" + std::to_string(port);
  }
  if (ss.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
    // Appended piecewise: GCC 12 at -O3 warns falsely (-Wrestrict) on "[" + s.
    std::string out(1, '[');
    out.append(text);
    out.append("]:");
    out.append(std::to_string(port));
    return out;
  }
  return "?";
}

}  // namespace

struct TcpStream::ConnectRequest {
  uv_connect_t req{};
};

TcpStream::TcpStream(Loop& loop) {
  check(uv_tcp_init(loop.get(), handle_.get()), "uv_tcp_init");
  handle_.mark_initialized(this);
  uv_tcp_nodelay(handle_.get(), 1);
}

void TcpStream::connect(const sockaddr* addr, DoneFn on_done) {
  on_connected_ = std::move(on_done);
  auto* request = new ConnectRequest;
  int rc = uv_tcp_connect(&request->req, handle_.get(), addr, [](uv_connect_t* req, int status) {
    auto* self = owner_of<TcpStream>(req->handle);
    delete reinterpret_cast<ConnectRequest*>(req);
    if (self && self->on_connected_) guarded("tcp connect", [&] { self->on_connected_(status); });
  });
  if (rc < 0) {
    delete request;
    on_connected_(rc);
  }
}

void TcpStream::read(DataFn on_data, EndFn on_end) {
  on_data_ = std::move(on_data);
  on_end_ = std::move(on_end);
  resume_reading();
}

void TcpStream::resume_reading() {
  if (reading_ || !handle_.get()) return;
  reading_ = true;
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(handle_.get()), alloc_buffer,
      [](uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
        auto* self = owner_of<TcpStream>(stream);
        if (!self || n == 0) return;
        if (n < 0) {
          self->pause_reading();
          if (self->on_end_) {
            guarded("tcp end", [&] { self->on_end_(n == UV_EOF ? 0 : static_cast<int>(n)); });
          }
          return;
        }
        if (self->on_data_) {
          guarded("tcp read",
                  [&] { self->on_data_(std::string_view(buf->base, static_cast<size_t>(n))); });
        }
      });
}

void TcpStream::pause_reading() {
  if (!reading_ || !handle_.get()) return;
  reading_ = false;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(handle_.get()));
}

void TcpStream::write(std::string bytes, DoneFn on_written) {
  if (corked_ && !on_written) {
    if (!bytes.empty()) corked_pieces_.push_back(std::move(bytes));
    return;
  }
  if (!corked_pieces_.empty()) send(std::exchange(corked_pieces_, {}), {});  // in order
  std::vector<std::string> pieces;
  pieces.push_back(std::move(bytes));
  send(std::move(pieces), std::move(on_written));
}

void TcpStream::cork() { corked_ = true; }

void TcpStream::uncork() {
  corked_ = false;
  if (!corked_pieces_.empty()) send(std::exchange(corked_pieces_, {}), {});
}

void TcpStream::send(std::vector<std::string> pieces, DoneFn on_written) {
  auto* stream = reinterpret_cast<uv_stream_t*>(handle_.get());
  if (!on_written && uv_stream_get_write_queue_size(stream) == 0) {
    // Most writes go out at once. uv_try_write skips what a write request
    // costs besides the write: a watcher change libuv applies with an
    // epoll_ctl, one per write. What the socket does not take is queued.
    auto& bufs = buffers_of(pieces);
    const int n = uv_try_write(stream, bufs.data(), static_cast<unsigned>(bufs.size()));
    if (n > 0) {
      std::size_t done = static_cast<std::size_t>(n);
      std::size_t whole = 0;
      while (whole < pieces.size() && pieces[whole].size() <= done) done -= pieces[whole++].size();
      pieces.erase(pieces.begin(), pieces.begin() + static_cast<std::ptrdiff_t>(whole));
      if (!pieces.empty()) pieces.front().erase(0, done);
    }
    if (pieces.empty()) return;
    // UV_EAGAIN or a partial write: uv_write queues the rest. Another error
    // comes back from uv_write too.
  }
  auto* request = new WriteRequest{{}, std::move(pieces), std::move(on_written)};
  auto& bufs = buffers_of(request->pieces);
  int rc = uv_write(&request->req, stream, bufs.data(), static_cast<unsigned>(bufs.size()),
                    [](uv_write_t* req, int status) {
                      std::unique_ptr<WriteRequest> owned(reinterpret_cast<WriteRequest*>(req));
                      // A write cancelled by close must not call into a dead owner.
                      if (owner_of<TcpStream>(req->handle) && owned->on_written) {
                        guarded("tcp write", [&] { owned->on_written(status); });
                      }
                    });
  if (rc < 0) {
    std::unique_ptr<WriteRequest> owned(request);
    if (owned->on_written) owned->on_written(rc);
  }
}

void TcpStream::shutdown_write(DoneFn on_done) {
  struct ShutdownRequest {
    uv_shutdown_t req{};
    DoneFn on_done;
  };
  auto* request = new ShutdownRequest{{}, std::move(on_done)};
  const int rc =
      uv_shutdown(&request->req, reinterpret_cast<uv_stream_t*>(handle_.get()),
                  [](uv_shutdown_t* req, int status) {
                    std::unique_ptr<ShutdownRequest> owned(reinterpret_cast<ShutdownRequest*>(req));
                    if (owner_of<TcpStream>(req->handle) && owned->on_done) {
                      guarded("tcp shutdown", [&] { owned->on_done(status); });
                    }
                  });
  if (rc < 0) {
    std::unique_ptr<ShutdownRequest> owned(request);
    if (owned->on_done) owned->on_done(rc);
  }
}

size_t TcpStream::write_queue_bytes() const {
  return uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(handle_.get()));
}

std::string TcpStream::peer() const {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(handle_.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  return format_address(ss);
}

bool TcpStream::peer_is_local() const {
  sockaddr_storage peer{}, local{};
  int peer_len = sizeof peer, local_len = sizeof local;
  if (uv_tcp_getpeername(handle_.get(), reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 ||
      uv_tcp_getsockname(handle_.get(), reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
      peer.ss_family != local.ss_family) {
    return false;
  }
  if (peer.ss_family == AF_INET) {
    return reinterpret_cast<sockaddr_in*>(&peer)->sin_addr.s_addr ==
           reinterpret_cast<sockaddr_in*>(&local)->sin_addr.s_addr;
  }
  if (peer.ss_family == AF_INET6) {
    return std::memcmp(&reinterpret_cast<sockaddr_in6*>(&peer)->sin6_addr,
                       &reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr, 16) == 0;
  }
  return false;
}

TcpListener::TcpListener(Loop& loop, const std::string& host, int port, int backlog,
                         AcceptFn on_accept)
    : loop_(loop), on_accept_(std::move(on_accept)) {
  check(uv_tcp_init(loop.get(), handle_.get()), "uv_tcp_init");
  handle_.mark_initialized(this);
  sockaddr_storage addr = socket_address(host, port, "listen address");
  check(uv_tcp_bind(handle_.get(), reinterpret_cast<sockaddr*>(&addr), 0),
        ("bind " + host + ":" + std::to_string(port)).c_str());
  listen(backlog, host + ":" + std::to_string(port));
}

TcpListener::TcpListener(Loop& loop, int listening_fd, int backlog, AcceptFn on_accept)
    : loop_(loop), on_accept_(std::move(on_accept)) {
  check(uv_tcp_init(loop.get(), handle_.get()), "uv_tcp_init");
  handle_.mark_initialized(this);
  check(uv_tcp_open(handle_.get(), listening_fd), "uv_tcp_open (inherited listening socket)");
  listen(backlog, "fd " + std::to_string(listening_fd));
}

void TcpListener::listen(int backlog, const std::string& what) {
  check(uv_listen(reinterpret_cast<uv_stream_t*>(handle_.get()), backlog,
                  [](uv_stream_t* server, int status) {
                    auto* self = owner_of<TcpListener>(server);
                    if (!self || status < 0) return;
                    guarded("tcp accept", [&] {
                      auto stream = std::make_unique<TcpStream>(self->loop_);
                      if (uv_accept(server, reinterpret_cast<uv_stream_t*>(stream->raw())) == 0) {
                        self->on_accept_(std::move(stream));
                      }
                    });
                  }),
        ("listen on " + what).c_str());
}

std::string TcpListener::address() const {
  if (handle_.get() == nullptr) return "?";
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getsockname(handle_.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  return format_address(ss);
}

int TcpListener::port() const {
  if (handle_.get() == nullptr) return 0;
  sockaddr_storage ss{};
  int len = sizeof ss;
  uv_tcp_getsockname(handle_.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  return ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                  : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

struct Resolve::Request {
  uv_getaddrinfo_t req{};
  DoneFn on_done;
  Resolve* owner;  // nullptr once the owner is gone
};

Resolve::Resolve(Loop& loop, const std::string& host, int port, DoneFn on_done)
    : request_(new Request{{}, std::move(on_done), this}) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  const std::string service = std::to_string(port);
  int rc = uv_getaddrinfo(
      loop.get(), &request_->req,
      [](uv_getaddrinfo_t* req, int status, addrinfo* res) {
        std::unique_ptr<Request> request(reinterpret_cast<Request*>(req));
        if (Resolve* owner = request->owner) {
          owner->request_ = nullptr;
          guarded("resolve", [&] { request->on_done(status, status == 0 ? res : nullptr); });
        }
        uv_freeaddrinfo(res);
      },
      host.c_str(), service.c_str(), &hints);
  if (rc < 0) {
    std::unique_ptr<Request> request(request_);
    request_ = nullptr;
    request->on_done(rc, nullptr);
  }
}

Resolve::~Resolve() {
  // The thread pool may be mid-lookup: the request frees itself in its callback.
  if (request_) {
    request_->owner = nullptr;
    uv_cancel(reinterpret_cast<uv_req_t*>(&request_->req));
  }
}

}  // namespace bottle::uv
