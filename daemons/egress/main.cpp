// egress: the agent calls services through it and never holds their tokens.
// It reads routes.yaml at start and again on SIGHUP (keeping the old routes
// when the new file is bad), and finishes requests in flight on SIGTERM.
#include <sys/prctl.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "bottle/config/config_error.hpp"
#include "bottle/daemon_main.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/tls/client_context.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/signal.hpp"
#include "egress_server.hpp"
#include "live_routes.hpp"
#include "proxy_settings.hpp"
#include "request_log.hpp"
#include "token_store.hpp"

extern char** environ;

int main(int argc, char** argv) {
  CLI::App app{"egress: the credential-injecting proxy of a bottle"};
  std::string routes_path = "/etc/bottle/egress/routes.yaml";
  std::string listen = "0.0.0.0:8080";
  std::vector<std::string> ca_files;
  bool check_only = false;
  egress::EgressSettings settings;
  app.add_option("--routes", routes_path, "routes.yaml")->capture_default_str();
  app.add_option("--listen", listen, "address:port to listen on")->capture_default_str();
  app.add_option("--ca-file", ca_files,
                 "a PEM file of CA certificates to trust besides the system's (repeatable)")
      ->check(CLI::ExistingFile);
  app.add_option("--header-timeout", settings.header_timeout_seconds,
                 "seconds for a request head to arrive")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--connect-timeout", settings.connect_timeout_seconds,
                 "seconds to reach an upstream (through the proxy, TLS included)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--response-timeout", settings.response_timeout_seconds,
                 "seconds from the end of a request to the upstream's response head (then 504)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--idle-timeout", settings.idle_timeout_seconds,
                 "seconds without a byte either way before a request is cut")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-connections", settings.max_connections, "agent connections at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--check", check_only, "check routes.yaml (and the tokens it needs) and exit");
  CLI11_PARSE(app, argc, argv);

  // A SIGHUP that comes between reading routes.yaml and installing the
  // handler must neither kill egress (the default action) nor be lost: it
  // waits, blocked, and is delivered once the handler is in place.
  sigset_t hangup_set;
  sigemptyset(&hangup_set);
  sigaddset(&hangup_set, SIGHUP);
  sigprocmask(SIG_BLOCK, &hangup_set, nullptr);

  // Another process of the same user must not read the tokens out of
  // /proc/<pid>/environ or memory: a non-dumpable process's /proc files
  // belong to root.
  ::prctl(PR_SET_DUMPABLE, 0);

  auto log = bottle::daemon_logger("egress");

  const auto address = bottle::listen_flag(*log, listen);
  if (!address) return bottle::kDaemonConfig;
  settings.listen_host = address->host;
  settings.listen_port = address->port;

  const egress::TokenStore tokens = egress::TokenStore::from_environment(environ);
  std::unique_ptr<egress::LiveRoutes> routes;
  egress::ProxySettings proxies;
  std::unique_ptr<bottle::tls::ClientContext> tls;
  try {
    routes = std::make_unique<egress::LiveRoutes>(routes_path, tokens);
    proxies = egress::ProxySettings::from_environment();
    tls = std::make_unique<bottle::tls::ClientContext>(ca_files);
  } catch (const std::exception& e) {
    log->error("{}", bottle::text::escape_for_terminal(e.what()));
    return bottle::kDaemonConfig;
  }
  if (check_only) {
    std::cout << routes_path << ": ok, " << routes->current()->routes().size() << " routes\n";
    return bottle::kDaemonOk;
  }
  // An agent that vanishes mid-write must not kill egress.
  std::signal(SIGPIPE, SIG_IGN);

  try {
    bottle::uv::Loop loop;
    {
      egress::RequestLog requests(loop, 1);
      egress::EgressServer server(loop, {settings, *routes, tokens, *tls, proxies, requests});
      bool stopping = false;
      auto stop = [&](const char* why) {
        if (stopping) {
          log->info("{} again: closing the requests still in flight", why);
          server.stop();
          loop.stop();
          return;
        }
        stopping = true;
        const std::size_t open = server.stop_accepting();
        log->info("{}: listener closed; {} requests in flight finish first", why, open);
        server.when_idle([&] {
          server.stop();
          loop.stop();
        });
      };
      bottle::uv::Signal hangup(loop, SIGHUP, [&] {
        const auto outcome = routes->reload();
        // The message quotes the file, which an approved proposal can have shaped.
        const std::string message = bottle::text::escape_for_terminal(outcome.message);
        if (outcome.applied) {
          log->info("SIGHUP: {}", message);
        } else {
          log->error("SIGHUP: {}", message);
        }
      });
      bottle::uv::Signal term(loop, SIGTERM, [&] { stop("SIGTERM"); });
      bottle::uv::Signal interrupt(loop, SIGINT, [&] { stop("SIGINT"); });
      sigprocmask(SIG_UNBLOCK, &hangup_set, nullptr);
      log->info("listening on {}:{} ({} routes; upstreams {})", settings.listen_host, server.port(),
                routes->current()->routes().size(), proxies.describe());
      loop.run();
    }
  } catch (const std::exception& e) {
    log->error("{}", e.what());
    return bottle::kDaemonFailed;
  }
  return bottle::kDaemonOk;
}
