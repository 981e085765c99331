#pragma once

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>

#include "bottle/net/listen_address.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/uv/callback_guard.hpp"

// What the daemons' mains share (pipelock, egress, git-gate, supervise):
// their exit codes, their logger and the reading of --listen. Header-only, so that the library
// under it stays free of spdlog (the supervisor takes spdlog header-only).
namespace bottle {

// Exit codes of the daemons (docs/architecture.md): the supervisor's restart
// policy and an operator's script read them.
enum DaemonExit : int {
  kDaemonOk = 0,      // stopped as asked (SIGTERM), or --check passed
  kDaemonFailed = 1,  // could not run (a port taken, a loop error)
  kDaemonConfig = 2,  // a bad flag, config or rules file: fix it; a restart will not help
};

// The daemon's logger: stderr, "<name>: <UTC time> <level>: <message>", the
// format the supervisor's log lines share. It also reports what a libuv
// callback threw (caught at the boundary, the daemon keeps running), escaped,
// since it may quote input.
inline std::shared_ptr<spdlog::logger> daemon_logger(const std::string& name) {
  auto log = spdlog::stderr_logger_st(name);
  log->set_pattern("%n: %Y-%m-%dT%H:%M:%S.%eZ %l: %v", spdlog::pattern_time_type::utc);
  bottle::uv::set_callback_error_reporter([log](const std::string& where, const std::string& what) {
    log->error("{}: {}", where, bottle::text::escape_for_terminal(what));
  });
  return log;
}

// The value of a daemon's --listen, read as every listen address is
// (bottle::net); a mistake is logged naming the flag, and nullopt (exit with
// kDaemonConfig).
inline std::optional<net::ListenAddress> listen_flag(spdlog::logger& log,
                                                     const std::string& value) {
  std::string problem;
  auto address = net::parse_listen_address(value, &problem);
  if (!address) log.error("--listen '{}': {}", text::escape_for_terminal(value), problem);
  return address;
}

}  // namespace bottle
