#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace supervisor {

using Millis = std::chrono::milliseconds;

enum class RestartMode { always, on_failure, never };
// What a daemon that failed past its start limit does to the bundle.
enum class FailedAction { shutdown_bundle, keep_running };
// What a supervisor signal does to a daemon mapped to it.
enum class SignalAction { restart, reload };

struct RestartPolicy {
  RestartMode mode = RestartMode::always;
  Millis backoff_initial{200};
  Millis backoff_max{10'000};
  // A run at least this long counts as stable: the failure count starts over.
  Millis stable_after{30'000};
  // Consecutive failed starts tolerated before the daemon is marked failed.
  int start_limit = 5;
  FailedAction on_failed = FailedAction::keep_running;
  // A failed keep-running daemon is tried again after this long, with its
  // failures forgiven (as systemd's start-limit interval does); 0 = never.
  Millis failed_retry{60'000};
};

// When a started daemon counts as ready.
struct Readiness {
  enum class Kind {
    tcp_port,  // the port accepts a connection
    notify,    // the daemon writes a newline to the fd named by SIDECAR_READY_FD
  };
  Kind kind = Kind::tcp_port;
  std::string host = "127.0.0.1";
  int tcp_port = 0;
  Millis timeout{10'000};
};

// A listening socket the supervisor owns for the daemon's whole life and hands
// to each of its processes (systemd's socket activation: fd 3, LISTEN_FDS=1,
// LISTEN_PID), so a restart never has a moment with no listener.
struct ListenSocket {
  std::string host = "0.0.0.0";  // an IP literal: PID 1 does no name lookups
  int tcp_port = 0;
  int backlog = 1024;
};

// One entry of the daemon registry (daemons.yaml).
struct DaemonSpec {
  std::string name;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  // Names of the supervisor's environment variables this daemon may see (tokens).
  std::vector<std::string> inherit_env;
  std::string workdir = "/";
  std::optional<std::string> user;
  int reload_signal = 1;  // SIGHUP
  int stop_signal = 15;   // SIGTERM
  Millis stop_timeout{5'000};
  RestartPolicy restart;
  std::optional<Readiness> readiness;
  std::optional<ListenSocket> listen_socket;
  // Supervisor signal number -> what it does to this daemon.
  std::map<int, SignalAction> on_signal;
};

struct Registry {
  std::string path;
  std::vector<DaemonSpec> daemons;  // registry order is start order

  const DaemonSpec* find(const std::string& name) const;
  std::vector<std::string> names() const;
};

}  // namespace supervisor
