#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"

namespace bottle::uv {

// One accepted connection on a Unix socket.
class UnixConnection {
 public:
  using DataFn = std::function<void(std::string_view)>;
  using EndFn = std::function<void()>;

  UnixConnection(const UnixConnection&) = delete;
  UnixConnection& operator=(const UnixConnection&) = delete;

  void read(DataFn on_data, EndFn on_end);
  // Writes then closes the connection; on_closed runs once the bytes are out.
  void write_and_close(std::string bytes, std::function<void()> on_closed);

 private:
  friend class UnixServer;
  explicit UnixConnection(Loop& loop);
  OwnedHandle<uv_pipe_t> handle_;
  DataFn on_data_;
  EndFn on_end_;
  std::string pending_;
  std::function<void()> on_closed_;
};

// Listens on a filesystem Unix socket, replacing a stale socket file left behind
// by an earlier run; the socket is created with the given mode (0600: root only).
class UnixServer {
 public:
  using AcceptFn = std::function<void(std::unique_ptr<UnixConnection>)>;

  UnixServer(Loop& loop, const std::string& path, unsigned mode, AcceptFn on_accept);
  UnixServer(const UnixServer&) = delete;
  UnixServer& operator=(const UnixServer&) = delete;
  ~UnixServer();

 private:
  Loop& loop_;
  std::string path_;
  OwnedHandle<uv_pipe_t> handle_;
  AcceptFn on_accept_;
};

}  // namespace bottle::uv
