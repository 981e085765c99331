#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "bottle/unique_fd.hpp"
#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"

namespace pipelock {

// A CONNECT tunnel's bytes moved by the kernel: splice(2) from one socket
// into a pipe and from the pipe into the other socket, one pipe per
// direction, so no byte is copied into pipelock's memory. Each socket is
// watched by one uv_poll (libuv cannot watch a socket with both a uv_poll and
// the uv_tcp_t it came from, so the caller hands over duplicates of the fds
// and closes its uv_tcp_t handles first).
//
// Half-closes pass through as they do on the buffered path: once one side's
// end is read and its pipe is empty, the other side's write half is shut
// down. The tunnel is over when both directions are, or at the first error.
// It lives on the loop like every other handle, so the tunnel carrier a
// restart forks carries it on (uv_loop_fork registers its polls again).
class SpliceTunnel {
 public:
  enum class Side { client, upstream };
  struct Events {
    // `bytes` reached `to` (after the write: the decision line's counts).
    std::function<void(Side to, std::size_t bytes)> moved;
    // Both directions ended ("closed"), or the first error, in the words the
    // buffered path uses ("client connection error: ...", "write to
    // upstream failed: ..."). Called once; the tunnel is stopped by then.
    std::function<void(const std::string& why)> ended;
  };

  // Throws std::system_error when a pipe cannot be made (the caller keeps
  // the buffered path).
  SpliceTunnel(bottle::uv::Loop& loop, bottle::UniqueFd client, bottle::UniqueFd upstream,
               Events events);
  SpliceTunnel(const SpliceTunnel&) = delete;
  SpliceTunnel& operator=(const SpliceTunnel&) = delete;
  ~SpliceTunnel();

  // Starts moving bytes (whatever is already readable moves on the next
  // loop turn).
  void start();
  // Stops watching both sockets; nothing moves after this.
  void stop();

  // Whether this kernel splices between TCP sockets and pipes (checked once
  // on a loopback pair; false sends every tunnel the buffered way).
  static bool supported();
  // Whether one more tunnel's pipes (four descriptors beside its two
  // sockets) fit in the process's descriptor limit with room kept for every
  // connection up to the cap; past that a tunnel keeps the buffered relay,
  // so that new connections still get descriptors.
  static bool room_for_another(std::size_t max_connections);

 private:
  // One direction: src -> pipe -> dst.
  struct Direction {
    int src = -1;
    int dst = -1;
    Side to = Side::upstream;
    bottle::UniqueFd pipe_read;
    bottle::UniqueFd pipe_write;
    std::size_t capacity = 0;  // the pipe's size in bytes
    std::size_t in_pipe = 0;   // bytes taken from src, not yet given to dst
    // A splice into the pipe found no room although in_pipe < capacity (a
    // pipe holds a number of buffers, and a socket fills them partly): wait
    // for the pipe to drain before reading again, or the readable socket
    // would wake the loop in a spin.
    bool pipe_full = false;
    // Bytes read with recv() past a TCP urgent mark, which splice does not
    // cross; sent before the pipe takes more.
    std::string carry;
    bool src_ended = false;  // src's end read
    bool dst_shut = false;   // dst's write half shut down after the last byte
    bool done() const { return dst_shut; }
  };
  void pump(Direction& d);
  void rearm();
  void fail(const std::string& why);
  void on_poll(uv_poll_t* poll, int status, int events);

  Direction up_;    // client -> upstream
  Direction down_;  // upstream -> client
  bottle::UniqueFd client_;
  bottle::UniqueFd upstream_;
  bottle::uv::OwnedHandle<uv_poll_t> client_poll_;
  bottle::uv::OwnedHandle<uv_poll_t> upstream_poll_;
  int client_events_ = 0;
  int upstream_events_ = 0;
  Events events_;
  bool stopped_ = false;
};

}  // namespace pipelock
