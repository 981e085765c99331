#pragma once

#include <cstddef>
#include <string>

namespace egress {

// egress's command-line settings.
struct EgressSettings {
  std::string listen_host = "0.0.0.0";
  int listen_port = 8080;
  int header_timeout_seconds = 30;
  int connect_timeout_seconds = 30;
  // From the end of a request to the upstream's response head: past it the
  // agent gets a 504 saying so, rather than an empty reply much later.
  int response_timeout_seconds = 120;
  // Long enough for a slow upstream (a clone's pack being computed) or a
  // quiet event stream; short enough that abandoned connections go.
  int idle_timeout_seconds = 300;
  std::size_t max_connections = 512;
  std::size_t max_header_bytes = 64 * 1024;
};

}  // namespace egress
