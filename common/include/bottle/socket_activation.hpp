#pragma once

#include <optional>

namespace bottle {

// The daemon side of how the supervisor hands over a listening socket and
// learns that a daemon is ready (docs/supervisor.md, "Daemon registry": listen_socket
// and readiness: {notify: true}).

// The listening socket passed as fd 3 (systemd's protocol: LISTEN_FDS=1 and
// LISTEN_PID equal to our pid), or nullopt when none was passed to us. The
// variables are removed from the environment and the fd is made
// close-on-exec, so nothing this process starts inherits them. Throws
// std::runtime_error when the variables name a socket that is not there.
std::optional<int> take_listen_fd();

// Writes the newline that tells the supervisor this daemon is ready, on the fd
// named by SIDECAR_READY_FD, then closes it. Does nothing without the variable.
void notify_ready();

}  // namespace bottle
