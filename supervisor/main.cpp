// sidecar-supervisor: PID 1 of the sidecars image. See README.md for the
// registry format, signals and exit codes.
#include <sys/prctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/timer.hpp"
#include "config_error.hpp"
#include "control_server.hpp"
#include "daemon_environment.hpp"
#include "daemon_selection.hpp"
#include "log_sink.hpp"
#include "registry_parser.hpp"
#include "supervisor.hpp"

namespace {

std::optional<std::string> env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

struct Options {
  std::string registry = "/etc/bottle/daemons.yaml";
  std::string socket = "/run/sidecar-supervisor.sock";
  std::size_t log_buffer_bytes = 1 << 20;
  std::string log_level = "info";
  bool check_only = false;
};

struct Plan {
  supervisor::Registry registry;
  std::vector<const supervisor::DaemonSpec*> selected;
  std::vector<supervisor::DaemonRunner::Environment> environments;
};

// Everything that can be wrong with the configuration is found here, before
// any daemon starts.
Plan plan_daemons(const Options& opt) {
  Plan plan{supervisor::load_registry(opt.registry), {}, {}};
  plan.selected = supervisor::select_daemons(plan.registry, env("CLAUDE_BOTTLE_SIDECAR_DAEMONS"));
  for (const auto* spec : plan.selected) {
    std::optional<supervisor::RunAs> run_as;
    if (spec->user) {
      try {
        run_as = supervisor::resolve_user(*spec->user);
      } catch (const supervisor::ConfigError& e) {
        throw supervisor::ConfigError(opt.registry + ": daemon '" + spec->name +
                                      "': key 'user': " + e.what());
      }
    }
    plan.environments.push_back(
        {supervisor::daemon_environment(*spec, run_as, supervisor::current_environment()), run_as});
  }
  return plan;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"sidecar-supervisor: starts, watches and signals the bottle's sidecar daemons"};
  app.add_option("--registry", opt.registry, "daemon registry (YAML)")
      ->envname("SIDECAR_SUPERVISOR_REGISTRY")
      ->capture_default_str();
  app.add_option("--control-socket", opt.socket, "control socket path")
      ->envname("SIDECAR_SUPERVISOR_SOCKET")
      ->capture_default_str();
  app.add_option(
         "--log-buffer-bytes", opt.log_buffer_bytes,
         "bytes of daemon output held per stream for a slow reader before lines are dropped")
      ->check(CLI::Range(4096, 1 << 30))
      ->capture_default_str();
  app.add_option("--log-level", opt.log_level, "supervisor log level")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_flag("--check", opt.check_only, "validate the registry and selection, then exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : supervisor::kExitConfig;
  }

  Plan plan;
  try {
    plan = plan_daemons(opt);
  } catch (const supervisor::ConfigError& e) {
    std::cerr << "sidecar-supervisor: configuration error: " << e.what() << "\n"
              << "sidecar-supervisor: nothing started\n";
    return supervisor::kExitConfig;
  }
  if (opt.check_only) {
    std::cout << "sidecar-supervisor: " << opt.registry << " is valid; selected:";
    for (const auto* s : plan.selected) std::cout << " " << s->name;
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

  bottle::uv::Loop loop;
  supervisor::LogSink sink(loop, STDOUT_FILENO, STDERR_FILENO, opt.log_buffer_bytes);
  auto log = supervisor::make_logger("supervisor", sink);
  log->set_level(spdlog::level::from_str(opt.log_level));
  sink.set_logger(log);

  int exit_code = supervisor::kExitInternal;
  supervisor::Supervisor sup(loop, plan.selected, std::move(plan.environments), sink, log,
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
