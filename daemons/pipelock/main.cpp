// pipelock: the allowlisting forward proxy, the agent's only way out. It has
// no reload: the supervisor restarts it on SIGUSR1 and it reads its config on
// start, so start-up is kept short and the port is let go of at once.
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bottle/config/config_error.hpp"
#include "bottle/daemon_main.hpp"
#include "bottle/socket_activation.hpp"
#include "bottle/uv/callback_guard.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/signal.hpp"
#include "bottle/uv/timer.hpp"
#include "decision_log.hpp"
#include "interception.hpp"
#include "pipelock_config.hpp"
#include "proxy_server.hpp"
#include "splice_tunnel.hpp"

int main(int argc, char** argv) {
  CLI::App app{"pipelock: the allowlisting forward proxy of a bottle"};
  std::string config_path = "/etc/bottle/pipelock/pipelock.yaml";
  bool check_only = false;
  std::string shipped_rules = "/usr/local/share/bottle/secrets/rules.toml";
  std::vector<std::string> upstream_cas;
  app.add_option("--config", config_path, "pipelock.yaml")->capture_default_str();
  app.add_option("--secret-rules", shipped_rules,
                 "the shipped secret rules (git-gate's), read for DLP under tls_interception")
      ->capture_default_str();
  app.add_option("--upstream-ca", upstream_cas,
                 "a CA file trusted for intercepted upstreams besides the system's (repeatable)");
  int scan_budget_ms = 5000;
  std::size_t held_bytes_budget = 64u << 20;
  app.add_option("--dlp-scan-budget-ms", scan_budget_ms,
                 "how long one DLP scan may run before its request is refused")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  app.add_option("--dlp-held-bytes", held_bytes_budget,
                 "what all intercepted tunnels may hold at once of requests waiting for DLP")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40))
      ->capture_default_str();
  bool copy_tunnels = false;
  app.add_flag("--copy-tunnels", copy_tunnels,
               "move tunnel bytes through pipelock's memory instead of splice(2) (for comparison)");
  app.add_flag("--check", check_only, "check the config and exit");
  CLI11_PARSE(app, argc, argv);

  auto log = bottle::daemon_logger("pipelock");

  pipelock::PipelockConfig cfg;
  try {
    cfg = pipelock::load_pipelock_config(config_path);
  } catch (const bottle::config::ConfigError& e) {
    log->error("{}", bottle::text::escape_for_terminal(e.what()));
    return bottle::kDaemonConfig;
  }
  cfg.dlp.scan_budget = std::chrono::milliseconds(scan_budget_ms);
  cfg.dlp.held_bytes_budget = held_bytes_budget;
  // Every connection is two descriptors, a spliced tunnel six: the soft
  // limit (often 1024) is raised to the hard one, as servers do.
  if (rlimit r{}; ::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
  cfg.splice_tunnels = !copy_tunnels && pipelock::SpliceTunnel::supported();
  if (!copy_tunnels && !cfg.splice_tunnels) {
    log->warn("splice(2) between sockets does not work here: tunnel bytes are copied");
  }
  for (const auto& w : cfg.warnings) log->warn("{}", w);
  std::unique_ptr<pipelock::Interception> interception;
  if (cfg.tls.enabled) {
    try {
      interception = std::make_unique<pipelock::Interception>(cfg, shipped_rules, upstream_cas);
    } catch (const std::exception& e) {
      log->error("tls_interception: {}", bottle::text::escape_for_terminal(e.what()));
      return bottle::kDaemonConfig;
    }
    log->info("tls_interception on: {} DLP rules, {} passthrough domains",
              interception->rule_count(), cfg.tls.passthrough_domains.size());
  }
  if (check_only) {
    std::cout << config_path << ": ok\n";
    return bottle::kDaemonOk;
  }
  // Tunnel and interception buffers (64 KiB reads, TLS records) are freed
  // and allocated again at the top of the heap for every chunk; with glibc's
  // default trim threshold (128 KiB) each free gave the pages back and each
  // allocation faulted them in again: 590,000 page faults for 2.5 GiB of
  // intercepted download, about 400 with the pages kept (bench/README.md).
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  // A client that vanishes mid-write must not kill the proxy.
  std::signal(SIGPIPE, SIG_IGN);

  try {
    // Under the supervisor the socket is its own, held across restarts, so a
    // restart refuses no connection (docs/pipelock.md).
    const std::optional<int> inherited = bottle::take_listen_fd();
    bottle::uv::Loop loop;
    {
      pipelock::DecisionLog decisions(loop, cfg.logging.output == "stderr" ? 2 : 1,
                                      cfg.logging.format == "json", cfg.logging.include_allowed,
                                      cfg.logging.include_blocked);
      pipelock::ProxyServer server(loop, cfg, decisions, inherited, interception.get());
      if (inherited) {
        log->info(
            "listening on {} (the supervisor's socket; fetch_proxy.listen {}:{} unused) ({} "
            "mode, {} allowlist entries, forward proxy {})",
            server.address(), cfg.listen_host, cfg.listen_port, cfg.mode, cfg.api_allowlist.size(),
            cfg.forward_enabled ? "on" : "off");
      } else {
        log->info("listening on {}:{} ({} mode, {} allowlist entries, forward proxy {})",
                  cfg.listen_host, server.port(), cfg.mode, cfg.api_allowlist.size(),
                  cfg.forward_enabled ? "on" : "off");
      }
      bottle::notify_ready();
      bool draining = false;
      bottle::uv::Timer drain_deadline(loop);
      auto stop = [&](const char* why) {
        if (draining) {
          log->info("{}: closing the tunnels still draining", why);
          server.stop();
          loop.stop();
          return;
        }
        const std::size_t open = server.stop_accepting();
        if (open == 0) {
          log->info("{}: listener closed, no open tunnels", why);
          server.stop();
          loop.stop();
          return;
        }
        // The supervisor restarts pipelock on SIGUSR1 by stopping it; open
        // tunnels (a long download through egress) and requests already
        // accepted must survive that, and the successor must not wait for
        // them. So the listener is closed (the port is free at once, or stays
        // with the supervisor) and a child, the tunnel carrier, keeps the open
        // connections until they end, while this process exits and the
        // successor starts.
        //
        // The carrier leaves pipelock's process group, which the supervisor
        // stops as a whole at a restart; it is bounded by the tunnel lifetime
        // instead, and the supervisor ends it with every other descendant at
        // shutdown. Both sides call setpgid, so the parent's exit is never
        // seen before the child has left the group.
        server.before_fork();
        const pid_t child = ::fork();
        if (child != 0) server.after_fork(false);
        if (child > 0) {
          if (::setpgid(child, child) != 0 && errno != EACCES && errno != ESRCH) {
            log->warn("{}: setpgid for the tunnel carrier: {}", why, std::strerror(errno));
          }
          log->info("{}: listener closed; pid {} carries {} open connections", why, child, open);
          std::_Exit(0);
        }
        if (child == 0) ::setpgid(0, 0);
        if (child < 0) {
          log->warn("{}: cannot fork a drainer ({}); closing {} tunnels", why, std::strerror(errno),
                    open);
          server.stop();
          loop.stop();
          return;
        }
        uv_loop_fork(loop.get());
        // After the loop's own state is renewed: the scans get a fresh wake-up
        // handle of it, and workers of their own.
        server.after_fork(true);
        draining = true;
        // Every connection has its own limits; this is the carrier's own, so
        // nothing can keep it alive past them.
        const auto bound_ms = (static_cast<std::uint64_t>(cfg.max_tunnel_seconds) +
                               static_cast<std::uint64_t>(cfg.header_timeout_seconds) + 15) *
                              1000;
        drain_deadline.start(bound_ms, [&] {
          log->warn("tunnel carrier: lifetime bound reached; closing what is left");
          server.stop();
          loop.stop();
        });
        server.when_idle([&] {
          server.stop();
          loop.stop();
        });
      };
      bottle::uv::Signal term(loop, SIGTERM, [&] { stop("SIGTERM"); });
      bottle::uv::Signal interrupt(loop, SIGINT, [&] { stop("SIGINT"); });
      loop.run();
    }
  } catch (const std::exception& e) {
    log->error("{}", bottle::text::escape_for_terminal(e.what()));
    return bottle::kDaemonFailed;
  }
  return bottle::kDaemonOk;
}
