#include "splice_tunnel.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <system_error>

#include "bottle/uv/callback_guard.hpp"

namespace pipelock {

namespace {

constexpr unsigned kSpliceFlags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
constexpr std::size_t kLargePipe = 256 * 1024;
// Tunnels whose pipes are enlarged: 2 x 256 KiB each, 16 MiB in all.
constexpr std::size_t kLargePipeTunnels = 32;
std::size_t live_tunnels = 0;  // the loop's thread only

std::string side_name(SpliceTunnel::Side s) {
  return s == SpliceTunnel::Side::client ? "client" : "upstream";
}

SpliceTunnel::Side other(SpliceTunnel::Side s) {
  return s == SpliceTunnel::Side::client ? SpliceTunnel::Side::upstream
                                         : SpliceTunnel::Side::client;
}

void make_pipe(bottle::UniqueFd& read, bottle::UniqueFd& write, std::size_t& capacity, bool large) {
  auto fds = bottle::make_cloexec_pipe();
  // A larger pipe moves more per splice call (pipelock used about a third
  // less CPU per GiB with 256 KiB than with the default 64 KiB). The kernel
  // bounds what one user's pipes may hold (pipe-user-pages-soft, 64 MiB by
  // default; over it, new pipes get 8 KiB), so only the first tunnels get
  // one; a refusal keeps the default.
  if (large) ::fcntl(fds.write.get(), F_SETPIPE_SZ, static_cast<int>(kLargePipe));
  const int size = ::fcntl(fds.write.get(), F_GETPIPE_SZ);
  if (size <= 0) throw std::system_error(errno, std::generic_category(), "F_GETPIPE_SZ");
  capacity = static_cast<std::size_t>(size);
  read = std::move(fds.read);
  write = std::move(fds.write);
}

// A listening loopback socket, a client dialled to it and the accepted end:
// the smallest pair of real TCP sockets to try splice on.
bool splice_between_tcp_sockets() {
  bottle::UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener.valid()) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener.get(), 1) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return false;
  }
  bottle::UniqueFd dialled(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!dialled.valid() ||
      ::connect(dialled.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return false;
  }
  bottle::UniqueFd accepted(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!accepted.valid()) return false;
  try {
    bottle::UniqueFd r, w;
    std::size_t capacity = 0;
    make_pipe(r, w, capacity, false);
    if (::send(dialled.get(), "x", 1, 0) != 1) return false;
    if (::splice(accepted.get(), nullptr, w.get(), nullptr, 1, SPLICE_F_MOVE) != 1) return false;
    if (::splice(r.get(), nullptr, accepted.get(), nullptr, 1, SPLICE_F_MOVE) != 1) return false;
    char c = 0;
    return ::recv(dialled.get(), &c, 1, 0) == 1 && c == 'x';
  } catch (const std::system_error&) {
    return false;
  }
}

}  // namespace

SpliceTunnel::SpliceTunnel(bottle::uv::Loop& loop, bottle::UniqueFd client,
                           bottle::UniqueFd upstream, Events events)
    : client_(std::move(client)), upstream_(std::move(upstream)), events_(std::move(events)) {
  up_.src = client_.get();
  up_.dst = upstream_.get();
  up_.to = Side::upstream;
  down_.src = upstream_.get();
  down_.dst = client_.get();
  down_.to = Side::client;
  const bool large = live_tunnels < kLargePipeTunnels;
  make_pipe(up_.pipe_read, up_.pipe_write, up_.capacity, large);
  make_pipe(down_.pipe_read, down_.pipe_write, down_.capacity, large);
  bottle::uv::check(uv_poll_init(loop.get(), client_poll_.get(), client_.get()),
                    "uv_poll_init (tunnel client)");
  client_poll_.mark_initialized(this);
  bottle::uv::check(uv_poll_init(loop.get(), upstream_poll_.get(), upstream_.get()),
                    "uv_poll_init (tunnel upstream)");
  upstream_poll_.mark_initialized(this);
  ++live_tunnels;
}

// The polls close before the fds they watch (members close in reverse
// order, and the fds were declared first): libuv removes an fd from epoll on
// uv_close, which must see the fd still open.
SpliceTunnel::~SpliceTunnel() {
  stop();
  --live_tunnels;
}

bool SpliceTunnel::room_for_another(std::size_t max_connections) {
  static const std::size_t limit = [] {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY)
      return std::size_t{1} << 20;
    return static_cast<std::size_t>(r.rlim_cur);
  }();
  // Kept for what is not a pipe: two sockets per connection at the
  // connection cap, and pipelock's own (listener, loop, logs, threads).
  const std::size_t kept = 2 * max_connections + 64;
  return kept + (live_tunnels + 1) * 4 <= limit;
}

bool SpliceTunnel::supported() {
  static const bool works = splice_between_tcp_sockets();
  return works;
}

void SpliceTunnel::start() {
  if (stopped_) return;
  rearm();
}

void SpliceTunnel::stop() {
  stopped_ = true;
  client_poll_.close();
  upstream_poll_.close();
}

void SpliceTunnel::on_poll(uv_poll_t* poll, int status, int events) {
  if (stopped_) return;
  const bool is_client = poll == client_poll_.get();
  Direction& from_here = is_client ? up_ : down_;
  Direction& to_here = is_client ? down_ : up_;
  if (status < 0) {
    // A socket error (a reset, most often). libuv has stopped this poll
    // and says only EBADF; what the peer sent before the error is still
    // to be read, and the splice calls report the error itself after it.
    (is_client ? client_events_ : upstream_events_) = 0;
    events = UV_READABLE | UV_WRITABLE;
    int error = 0;
    socklen_t len = sizeof error;
    pump(to_here);
    if (!stopped_) pump(from_here);
    if (!stopped_ &&
        ::getsockopt(is_client ? client_.get() : upstream_.get(), SOL_SOCKET, SO_ERROR, &error,
                     &len) == 0 &&
        error != 0) {
      fail(side_name(is_client ? Side::client : Side::upstream) +
           " connection error: " + uv_strerror(-error));
      return;
    }
    events = 0;
  }
  // Readable feeds the direction this socket is the source of; writable
  // drains the one it is the destination of.
  if (events & UV_WRITABLE) pump(to_here);
  if (!stopped_ && (events & UV_READABLE)) pump(from_here);
  if (stopped_) return;
  if (up_.done() && down_.done()) {
    stop();
    events_.ended("closed");
    return;
  }
  rearm();
}

void SpliceTunnel::pump(Direction& d) {
  bool read_any = false;
  for (;;) {
    bool progress = false;
    if (!d.carry.empty()) {
      // Bytes read past an urgent mark go out before anything spliced after.
      const ssize_t n = ::send(d.dst, d.carry.data(), d.carry.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        d.carry.erase(0, static_cast<std::size_t>(n));
        progress = true;
        events_.moved(d.to, static_cast<std::size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        fail("write to " + side_name(d.to) + " failed: " + uv_strerror(-errno));
        return;
      }
    }
    if (d.carry.empty() && !d.src_ended && !d.pipe_full && d.in_pipe < d.capacity) {
      const ssize_t n = ::splice(d.src, nullptr, d.pipe_write.get(), nullptr,
                                 d.capacity - d.in_pipe, kSpliceFlags);
      if (n > 0) {
        d.in_pipe += static_cast<std::size_t>(n);
        progress = read_any = true;
      } else if (n == 0 && ::sockatmark(d.src) != 1) {
        d.src_ended = true;
      } else if (n == 0 || errno == EAGAIN) {
        // Nothing to read, or (with bytes in the pipe) no free buffer in it;
        // or a TCP urgent mark (where splice also answers 0 once the end
        // has come in behind it).
        if (d.in_pipe > 0) {
          d.pipe_full = true;
        } else if ((n == 0 || !read_any) && ::sockatmark(d.src) == 1) {
          // TCP urgent data: splice stops at its mark for good while the
          // socket stays readable. recv() reads past it, leaving the urgent
          // byte out as the buffered relay's read() does.
          char buf[16 * 1024];
          const ssize_t got = ::recv(d.src, buf, sizeof buf, MSG_DONTWAIT);
          if (got > 0) {
            d.carry.assign(buf, static_cast<std::size_t>(got));
            progress = read_any = true;
          } else if (got == 0) {
            d.src_ended = true;
          } else if (errno != EAGAIN && errno != EINTR) {
            fail(side_name(other(d.to)) + " connection error: " + uv_strerror(-errno));
            return;
          }
        }
      } else if (errno != EINTR) {
        fail(side_name(other(d.to)) + " connection error: " + uv_strerror(-errno));
        return;
      }
    }
    if (d.in_pipe > 0) {
      const ssize_t n =
          ::splice(d.pipe_read.get(), nullptr, d.dst, nullptr, d.in_pipe, kSpliceFlags);
      if (n > 0) {
        d.in_pipe -= static_cast<std::size_t>(n);
        d.pipe_full = false;
        progress = true;
        events_.moved(d.to, static_cast<std::size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        fail("write to " + side_name(d.to) + " failed: " + uv_strerror(-errno));
        return;
      }
    }
    if (!progress) break;
  }
  if (d.src_ended && d.in_pipe == 0 && d.carry.empty() && !d.dst_shut) {
    // The other side reads its end after the last byte, as on the buffered
    // path; a socket already gone has nothing to be told.
    ::shutdown(d.dst, SHUT_WR);
    d.dst_shut = true;
  }
}

void SpliceTunnel::rearm() {
  auto wanted = [](const Direction& reading, const Direction& writing) {
    int events = 0;
    if (reading.carry.empty() && !reading.src_ended && !reading.pipe_full &&
        reading.in_pipe < reading.capacity)
      events |= UV_READABLE;
    if (writing.in_pipe > 0 || !writing.carry.empty()) events |= UV_WRITABLE;
    return events;
  };
  auto set = [](bottle::uv::OwnedHandle<uv_poll_t>& poll, int& current, int events) {
    if (events == current) return;
    current = events;
    if (events == 0) {
      uv_poll_stop(poll.get());
      return;
    }
    bottle::uv::check(uv_poll_start(poll.get(), events,
                                    [](uv_poll_t* h, int status, int ev) {
                                      auto* self = bottle::uv::owner_of<SpliceTunnel>(h);
                                      if (!self) return;
                                      bottle::uv::guarded("splice tunnel", [&] {
                                        try {
                                          self->on_poll(h, status, ev);
                                        } catch (const std::exception& e) {
                                          self->fail(std::string("tunnel: ") + e.what());
                                        }
                                      });
                                    }),
                      "uv_poll_start (tunnel)");
  };
  set(client_poll_, client_events_, wanted(up_, down_));
  set(upstream_poll_, upstream_events_, wanted(down_, up_));
}

void SpliceTunnel::fail(const std::string& why) {
  if (stopped_) return;
  stop();
  events_.ended(why);
}

}  // namespace pipelock
