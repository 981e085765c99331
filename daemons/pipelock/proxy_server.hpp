#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/tcp_server.hpp"
#include "decision_log.hpp"
#include "dlp_scans.hpp"
#include "held_bytes.hpp"
#include "pipelock_config.hpp"
#include "request_policy.hpp"

namespace pipelock {

class Interception;
class ProxyConnection;

// Accepts agent connections and runs one ProxyConnection for each, within
// the connection cap.
class ProxyServer {
 public:
  // inherited_listen_fd: the socket the supervisor holds for pipelock (socket
  // activation); without one, pipelock binds fetch_proxy.listen itself.
  // `interception`: tls_interception's certificates and rules, when enabled.
  ProxyServer(bottle::uv::Loop& loop, const PipelockConfig& cfg, DecisionLog& log,
              std::optional<int> inherited_listen_fd = std::nullopt,
              const Interception* interception = nullptr);
  ~ProxyServer();
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  int port() const { return server_.port(); }
  std::string address() const { return server_.address(); }
  // Closes the listener (freeing the port for the successor) and every connection.
  void stop();
  // For a restart: closes the listener (our copy of it, when the supervisor
  // holds the socket) and keeps every open connection, so that no request
  // that reached this process is dropped. Returns how many are open.
  std::size_t stop_accepting();
  // Calls `fn` once no connection is left.
  void when_idle(std::function<void()> fn) { server_.when_idle(std::move(fn)); }
  // Around the fork of a tunnel carrier (main.cpp): the DLP scans' threads
  // do not cross it (DlpScans::before_fork).
  void before_fork();
  void after_fork(bool in_child);

  // For connections.
  bottle::uv::Loop& loop() { return loop_; }
  const PipelockConfig& config() const { return cfg_; }
  const RequestPolicy& policy() const { return policy_; }
  DecisionLog& log() { return log_; }
  const Interception* interception() const { return interception_; }
  // With interception only.
  DlpScans& dlp_scans() { return *dlp_scans_; }
  HeldBytes& held_bytes() { return *held_bytes_; }
  void release(std::uint64_t id);

 private:
  bottle::uv::Loop& loop_;
  const PipelockConfig& cfg_;
  RequestPolicy policy_;
  DecisionLog& log_;
  const Interception* interception_;
  std::unique_ptr<DlpScans> dlp_scans_;
  std::unique_ptr<HeldBytes> held_bytes_;
  bottle::uv::TcpServer<ProxyConnection> server_;
};

}  // namespace pipelock
