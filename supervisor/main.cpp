// sidecar-supervisor: PID 1 of the sidecars image. See docs/supervisor.md for the
// registry format, signals and exit codes.
#include <sys/prctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "bottle/text/terminal_escape.hpp"
#include "bottle/uv/callback_guard.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/timer.hpp"
#include "config_error.hpp"
#include "control_server.hpp"
#include "daemon_environment.hpp"
#include "daemon_selection.hpp"
#include "listen_socket.hpp"
#include "log_sink.hpp"
#include "program_check.hpp"
#include "registry_parser.hpp"
#include "supervisor.hpp"

namespace {

// The signals the supervisor acts on. They are blocked first thing, so one
// that arrives while the registry is read is held, not lost (or, outside
// PID 1, fatal), and handled once the loop runs.
constexpr int kHandledSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGCHLD};

void hold_handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kHandledSignals) {
    sigaddset(&set, sig);
    // An ignored signal is discarded even while blocked: an inherited SIG_IGN
    // (nohup, a careless parent) must not swallow a SIGTERM.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, nullptr);
  }
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

void unblock_all_signals() {
  // Whatever mask was inherited, the supervisor runs with none: a blocked
  // SIGCHLD or SIGTERM would silently disable a duty.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

std::optional<std::string> env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

struct Options {
  std::string registry = "/etc/bottle/daemons.yaml";
  std::string socket = "/run/sidecar-supervisor.sock";
  std::size_t log_buffer_bytes = 1 << 20;
  std::string log_level = "info";
  long descendant_grace_ms = 1000;
  bool check_only = false;
};

struct PlannedDaemon {
  const supervisor::DaemonSpec* spec;
  supervisor::DaemonRunner::Environment environment;
};

struct Plan {
  supervisor::Registry registry;
  std::vector<PlannedDaemon> daemons;
};

// Everything that can be wrong with the configuration is found here, before
// any daemon starts.
Plan plan_daemons(const Options& opt) {
  Plan plan{supervisor::load_registry(opt.registry), {}};
  for (const auto* spec :
       supervisor::select_daemons(plan.registry, env("CLAUDE_BOTTLE_SIDECAR_DAEMONS"))) {
    std::optional<supervisor::RunAs> run_as;
    if (spec->user) {
      try {
        run_as = supervisor::resolve_user(*spec->user);
      } catch (const supervisor::ConfigError& e) {
        throw supervisor::ConfigError(opt.registry + ": daemon '" + spec->name +
                                      "': key 'user': " + e.what());
      }
    }
    plan.daemons.push_back(
        {spec,
         {supervisor::daemon_environment(*spec, run_as, supervisor::current_environment()),
          run_as}});
  }
  return plan;
}

}  // namespace

int main(int argc, char** argv) {
  hold_handled_signals();

  Options opt;
  CLI::App app{"sidecar-supervisor: starts, watches and signals the bottle's sidecar daemons"};
  app.add_option("--registry", opt.registry, "daemon registry (YAML)")
      ->envname("SIDECAR_SUPERVISOR_REGISTRY")
      ->capture_default_str();
  app.add_option("--control-socket", opt.socket, "control socket path")
      ->envname("SIDECAR_SUPERVISOR_SOCKET")
      ->capture_default_str();
  app.add_option("--log-buffer-bytes", opt.log_buffer_bytes,
                 "bytes of daemon output held per stream for a slow reader, shared equally among "
                 "the daemons, before a daemon's lines are dropped")
      ->check(CLI::Range(4096, 1 << 30))
      ->capture_default_str();
  app.add_option("--log-level", opt.log_level, "supervisor log level")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--descendant-grace-ms", opt.descendant_grace_ms,
                 "at shutdown, how long what the daemons left behind has between SIGTERM and "
                 "SIGKILL")
      ->check(CLI::Range(0, 60'000))
      ->capture_default_str();
  app.add_flag("--check", opt.check_only,
               "validate the registry, the selection, users and programs, then exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : supervisor::kExitConfig;
  }

  Plan plan;
  try {
    plan = plan_daemons(opt);
    if (opt.check_only) {
      for (const auto& d : plan.daemons) {
        supervisor::check_program(opt.registry, *d.spec, d.environment.env, d.environment.run_as);
      }
    }
  } catch (const supervisor::ConfigError& e) {
    std::cerr << "sidecar-supervisor: configuration error: "
              << bottle::text::escape_for_terminal(e.what()) << "\n"
              << "sidecar-supervisor: nothing started\n";
    return supervisor::kExitConfig;
  }
  if (opt.check_only) {
    std::cout << "sidecar-supervisor: " << opt.registry << " is valid; selected:";
    for (const auto& d : plan.daemons) std::cout << " " << d.spec->name;
    std::cout << "\n";
    return 0;
  }

  // Outside a container we are not PID 1; orphans must still come to us.
  if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    std::perror("sidecar-supervisor: prctl(PR_SET_CHILD_SUBREAPER)");
    return supervisor::kExitInternal;
  }
  // A log reader that went away must not kill PID 1.
  std::signal(SIGPIPE, SIG_IGN);

  // The sockets the supervisor holds for daemons, open for its whole life.
  std::vector<bottle::UniqueFd> listen_sockets;
  std::vector<supervisor::Supervisor::Daemon> daemons;
  for (auto& d : plan.daemons) {
    int listen_fd = -1;
    if (d.spec->listen_socket) {
      try {
        listen_sockets.push_back(supervisor::open_listen_socket(*d.spec->listen_socket));
      } catch (const std::exception& e) {
        std::cerr << "sidecar-supervisor: cannot listen for " << d.spec->name << ": " << e.what()
                  << "\nsidecar-supervisor: nothing started\n";
        return supervisor::kExitInternal;
      }
      listen_fd = listen_sockets.back().get();
    }
    daemons.push_back({d.spec, std::move(d.environment), listen_fd});
  }

  bottle::uv::Loop loop;
  supervisor::LogSink sink(loop, STDOUT_FILENO, STDERR_FILENO, opt.log_buffer_bytes);
  auto log = supervisor::make_logger("supervisor", sink);
  log->set_level(spdlog::level::from_str(opt.log_level));
  sink.set_logger(log);
  bottle::uv::set_callback_error_reporter([log](const std::string& where, const std::string& what) {
    log->error("uncaught exception in {} (carrying on): {}", where, what);
  });

  int exit_code = supervisor::kExitInternal;
  supervisor::Supervisor sup(loop, std::move(daemons), sink, log,
                             {.descendant_grace = supervisor::Millis(opt.descendant_grace_ms)},
                             [&](int code) {
                               exit_code = code;
                               loop.stop();
                             });
  std::optional<supervisor::ControlServer> control;
  try {
    control.emplace(loop, opt.socket, sup, log);
  } catch (const std::exception& e) {
    std::cerr << "sidecar-supervisor: cannot open the control socket: " << e.what() << "\n";
    return supervisor::kExitInternal;
  }
  log->info("control socket {}; registry {}; pid {}", opt.socket, opt.registry, getpid());
  sup.install_signal_handlers();
  unblock_all_signals();
  sup.start();
  loop.run();

  control.reset();
  // Give a slow log reader a moment for the last lines, but never hold up the exit.
  bottle::uv::Timer deadline(loop);
  bool expired = false;
  deadline.start(1000, [&] { expired = true; });
  while (!sink.drained() && !expired) uv_run(loop.get(), UV_RUN_ONCE);
  return exit_code;
}
