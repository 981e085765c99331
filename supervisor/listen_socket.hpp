#pragma once

#include "bottle/unique_fd.hpp"
#include "daemon_spec.hpp"

namespace supervisor {

// Binds and listens on a daemon's listen_socket; the supervisor keeps it open
// for as long as it runs and never accepts on it. Throws std::system_error
// naming the address.
bottle::UniqueFd open_listen_socket(const ListenSocket& socket);

}  // namespace supervisor
