#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "bottle/uv/connection_set.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/tcp.hpp"

namespace bottle::uv {

// Where a server listens: host and port, or a socket that is already bound
// and listening (socket activation: the supervisor holds it across restarts).
struct ListenOn {
  std::string host;
  int port = 0;
  std::optional<int> inherited_fd;
};

// The accept side every daemon's server shares: one listener, the open
// connections within a cap, stop-accepting (for a restart or a drain) and a
// wait until the last connection has gone.
//
// `Connection` needs:
//   void start();                      serve the connection
//   void reject(const std::string&);   answer "too many connections" and end
//   void abort(const std::string&);    end now
// each of which ends, sooner or later, in the owner calling release(id).
template <class Connection>
class TcpServer {
 public:
  // Builds the connection for an accepted stream; it must not start reading.
  using Factory =
      std::function<std::unique_ptr<Connection>(std::uint64_t id, std::unique_ptr<TcpStream>)>;

  struct Options {
    int backlog = 1024;
    std::size_t max_connections = 1024;
    // Called at the cap before a newcomer is refused, to free a slot (e.g. by
    // closing a keep-alive connection that holds nothing). Optional.
    std::function<void()> make_room;
  };

  TcpServer(Loop& loop, const ListenOn& where, Options options, Factory factory)
      : options_(std::move(options)),
        factory_(std::move(factory)),
        connections_(loop),
        listener_(listen(loop, where)) {}
  ~TcpServer() { stop("stopping"); }
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  // The port and "host:port" bound (0 and "?" once the listener is closed).
  int port() const { return listener_.port(); }
  std::string address() const { return listener_.address(); }
  std::size_t size() const { return connections_.size(); }

  // A connection that ended; it is destroyed on the next loop turn.
  void release(std::uint64_t id) { connections_.release(id); }

  // Closes the listener, freeing the port (or our copy of an inherited
  // socket) for a successor, and keeps every open connection. Returns how
  // many are open.
  std::size_t stop_accepting() {
    listener_.close();
    return connections_.size();
  }
  // Calls `fn` once no connection is left (now, if none is).
  void when_idle(std::function<void()> fn) { connections_.when_empty(std::move(fn)); }
  // Closes the listener and ends every connection for `why` now.
  void stop(const std::string& why) {
    listener_.close();
    connections_.close(why);
  }

  ConnectionSet<Connection>& connections() { return connections_; }
  const ConnectionSet<Connection>& connections() const { return connections_; }

 private:
  TcpListener listen(Loop& loop, const ListenOn& where) {
    auto on_accept = [this](std::unique_ptr<TcpStream> client) { accept(std::move(client)); };
    if (where.inherited_fd)
      return TcpListener(loop, *where.inherited_fd, options_.backlog, on_accept);
    return TcpListener(loop, where.host, where.port, options_.backlog, on_accept);
  }

  void accept(std::unique_ptr<TcpStream> client) {
    if (connections_.size() >= options_.max_connections && options_.make_room) {
      options_.make_room();
    }
    // Past the cap the newcomer still gets a short answer, without reading
    // from it, so a flood cannot hold file descriptors.
    const bool over_cap = connections_.size() >= options_.max_connections;
    const std::uint64_t id = connections_.next_id();
    Connection& connection = connections_.add(id, factory_(id, std::move(client)));
    if (over_cap) {
      connection.reject("too many connections (cap " + std::to_string(options_.max_connections) +
                        ")");
    } else {
      connection.start();
    }
  }

  Options options_;
  Factory factory_;
  ConnectionSet<Connection> connections_;
  TcpListener listener_;
};

}  // namespace bottle::uv
