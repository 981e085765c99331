#pragma once

#include <chrono>
#include <filesystem>

#include "docker_cli.hpp"

namespace host_tools {

struct DashboardOptions {
  std::filesystem::path state_root;
  bool read_only = false;  // may watch, not approve, reject or allow
  std::chrono::milliseconds tick{1000};
};

// `bottle dashboard`: the operator's live view of every bottle under the
// state folder (daemons, pending proposals, decisions, audit), where
// proposals are approved or rejected through the same code as `bottle
// proposals approve/reject`. Runs until q (or SIGINT, SIGTERM). Returns the
// exit code.
int run_dashboard(const DashboardOptions& options, const DockerCli& docker);

}  // namespace host_tools
