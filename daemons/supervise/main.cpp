// supervise: the MCP server through which the agent reads what its bottle may
// reach and proposes changes that the operator decides on the host.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>

#include "bottle/daemon_main.hpp"
#include "bottle/proposals/proposal_store.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/uv/callback_guard.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/signal.hpp"
#include "live_configs.hpp"
#include "mcp_dispatcher.hpp"
#include "mcp_endpoint.hpp"
#include "mcp_server.hpp"
#include "proposal_quota.hpp"
#include "session_registry.hpp"
#include "supervise_tools.hpp"

int main(int argc, char** argv) {
  CLI::App app{"supervise: the MCP server through which a bottle's agent asks for more"};
  std::string proposals_dir = "/var/lib/bottle/proposals";
  std::string pipelock_config = "/etc/bottle/pipelock/pipelock.yaml";
  std::string routes_config = "/etc/bottle/egress/routes.yaml";
  std::string listen = "0.0.0.0:8765";
  std::vector<std::string> extra_hosts;
  supervise::ServerSettings settings;
  supervise::EndpointSettings endpoint_settings;
  supervise::QuotaSettings quota;
  std::size_t max_sessions = 1024;
  int session_idle_minutes = 24 * 60;
  app.add_option("--proposals", proposals_dir, "the proposals directory shared with the host")
      ->capture_default_str();
  app.add_option("--pipelock-config", pipelock_config, "the live pipelock.yaml")
      ->capture_default_str();
  app.add_option("--routes", routes_config, "the live egress routes.yaml")->capture_default_str();
  app.add_option("--listen", listen, "address:port to listen on")->capture_default_str();
  app.add_option("--path", endpoint_settings.path, "the MCP endpoint's path")
      ->capture_default_str();
  app.add_option("--allowed-host", extra_hosts,
                 "a Host name clients may use besides localhost and supervise (repeatable)");
  app.add_option("--max-body", settings.max_body_bytes, "largest request body, in bytes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-connections", settings.max_connections, "client connections at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-sessions", max_sessions, "MCP sessions kept at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--session-idle-minutes", session_idle_minutes,
                 "a session unused this long (and without an open stream) is forgotten")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--keepalive-seconds", settings.keepalive_seconds,
                 "seconds between comments on an open event stream")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--stream-idle-seconds", settings.stream_idle_seconds,
                 "an event stream ends once its session has gone unused this long")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-streams-per-session", endpoint_settings.max_streams_per_session,
                 "event streams one session may hold open")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-pending-proposals", quota.max_pending,
                 "pending proposals at once; past it, new ones are refused")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--proposals-per-minute", quota.per_minute, "new proposals in any minute")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  auto log = bottle::daemon_logger("supervise");

  const auto address = bottle::listen_flag(*log, listen);
  if (!address) return bottle::kDaemonConfig;
  settings.listen_host = address->host;
  settings.listen_port = address->port;
  // Proposals are the one thing supervise writes; a directory it cannot
  // write to would turn every proposal into an error, so it does not start.
  if (::access(proposals_dir.c_str(), W_OK | X_OK) != 0) {
    log->error("--proposals {}: not a directory supervise can write to: {}", proposals_dir,
               std::strerror(errno));
    return bottle::kDaemonConfig;
  }
  for (const auto& h : extra_hosts) endpoint_settings.allowed_hosts.insert(h);
  // Streams may hold half the slots at most: the other half is for new sessions.
  endpoint_settings.max_streams = std::max<std::size_t>(settings.max_connections / 2, 1);
  if (settings.listen_host != "0.0.0.0" && settings.listen_host != "::") {
    endpoint_settings.allowed_hosts.insert(settings.listen_host);
  }
  // A client that vanishes mid-write must not kill supervise.
  std::signal(SIGPIPE, SIG_IGN);

  try {
    const supervise::LiveConfigs configs(pipelock_config, routes_config);
    const bottle::proposals::ProposalStore store(proposals_dir);
    supervise::ProposalQuota proposal_quota(quota);
    supervise::SuperviseTools tools(configs, store, proposal_quota, *log);
    const supervise::McpDispatcher dispatcher(tools);
    supervise::SessionRegistry sessions(max_sessions, std::chrono::minutes(session_idle_minutes));
    supervise::McpEndpoint endpoint(endpoint_settings, sessions, dispatcher);
    bottle::uv::Loop loop;
    {
      supervise::McpServer server(loop, settings, endpoint, *log);
      auto stop = [&](const char* why) {
        log->info("{}: closing {} sessions", why, sessions.size());
        server.stop();
        loop.stop();
      };
      bottle::uv::Signal term(loop, SIGTERM, [&] { stop("SIGTERM"); });
      bottle::uv::Signal interrupt(loop, SIGINT, [&] { stop("SIGINT"); });
      log->info("listening on {}:{}{} (proposals in {})", settings.listen_host, server.port(),
                endpoint_settings.path, proposals_dir);
      loop.run();
    }
  } catch (const std::exception& e) {
    log->error("{}", bottle::text::escape_for_terminal(e.what()));
    return bottle::kDaemonFailed;
  }
  return bottle::kDaemonOk;
}
