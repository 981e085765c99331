#pragma once

#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"

namespace bottle::uv {

// One TCP connection, accepted or dialled. Reads are delivered as they come;
// writes are queued (the bytes are kept until libuv is done with them) and
// write_queue_bytes() tells a caller when to stop reading the other side.
class TcpStream {
 public:
  using DataFn = std::function<void(std::string_view)>;
  // 0 at end of stream, else a negative libuv error.
  using EndFn = std::function<void(int status)>;
  using DoneFn = std::function<void(int status)>;

  explicit TcpStream(Loop& loop);
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;

  // Dials `addr`; on_done(0) once connected.
  void connect(const sockaddr* addr, DoneFn on_done);
  void read(DataFn on_data, EndFn on_end);
  void pause_reading();
  void resume_reading();
  // on_written (optional) runs once the bytes are handed to the kernel.
  void write(std::string bytes, DoneFn on_written = {});
  // Between cork() and uncork(), writes without a callback are gathered and
  // go out in one writev at uncork() (a response's head and body, say); a
  // write with a callback sends what was gathered first.
  void cork();
  void uncork();
  // Half-close after the queued writes: the peer reads end of stream.
  // on_done (optional) runs once every queued byte is written and the
  // half-close sent, or with the error that stopped it; a connection ended
  // before that loses what libuv still held.
  void shutdown_write(DoneFn on_done = {});
  size_t write_queue_bytes() const;
  // "address:port" of the peer, for logs.
  std::string peer() const;
  // Whether the peer is this host itself: its address is the one it
  // connected to, which only a client in the same network namespace has (a
  // TCP handshake from a spoofed address never completes: the replies go to
  // the real one).
  bool peer_is_local() const;
  uv_tcp_t* raw() const { return handle_.get(); }

 private:
  struct ConnectRequest;
  void send(std::vector<std::string> pieces, DoneFn on_written);
  OwnedHandle<uv_tcp_t> handle_;
  DataFn on_data_;
  EndFn on_end_;
  DoneFn on_connected_;
  bool reading_ = false;
  bool corked_ = false;
  std::vector<std::string> corked_pieces_;
};

// Listens on host:port (SO_REUSEADDR, which libuv sets, lets a replacement
// bind at once while old connections linger in TIME_WAIT).
class TcpListener {
 public:
  using AcceptFn = std::function<void(std::unique_ptr<TcpStream>)>;

  TcpListener(Loop& loop, const std::string& host, int port, int backlog, AcceptFn on_accept);
  // Takes over a socket that is already bound and listening (socket
  // activation: the supervisor holds it across restarts). Closing this
  // listener closes only our copy.
  TcpListener(Loop& loop, int listening_fd, int backlog, AcceptFn on_accept);
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // The port actually bound (when 0 was asked for); 0 once closed.
  int port() const;
  // "host:port" actually bound, for logs; "?" once closed.
  std::string address() const;
  // Stops listening now, freeing the port for a successor.
  void close() { handle_.close(); }

 private:
  void listen(int backlog, const std::string& what);

  Loop& loop_;
  OwnedHandle<uv_tcp_t> handle_;
  AcceptFn on_accept_;
};

// One getaddrinfo on libuv's thread pool; destroying it before the answer
// cancels it (or drops the answer).
class Resolve {
 public:
  using DoneFn = std::function<void(int status, const addrinfo* results)>;
  Resolve(Loop& loop, const std::string& host, int port, DoneFn on_done);
  Resolve(const Resolve&) = delete;
  Resolve& operator=(const Resolve&) = delete;
  ~Resolve();

 private:
  struct Request;
  Request* request_;
};

}  // namespace bottle::uv
