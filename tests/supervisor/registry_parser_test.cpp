#include "registry_parser.hpp"

#include <gtest/gtest.h>

#include <csignal>

#include "config_error.hpp"

using namespace supervisor;

namespace {
// The error a registry text gives, or "" if it parses.
std::string error_of(const std::string& yaml) {
  try {
    parse_registry(yaml, "daemons.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(RegistryParser, ReadsEveryKeyOfADaemon) {
  Registry r = parse_registry(R"(
version: 1
daemons:
  - name: pipelock
    argv: [/bin/pipelock, --config, /etc/p.yaml]
    env: {LOG: debug}
    inherit_env: [TOKEN_A, BOTTLE_TOKEN_*]
    workdir: /var/lib
    user: nobody
    reload_signal: SIGUSR2
    stop_signal: INT
    stop_timeout_ms: 1500
    on_signal: {SIGUSR1: restart, SIGHUP: reload}
    readiness: {tcp_port: 8888, host: 127.0.0.1, timeout_ms: 700}
    restart: {policy: on-failure, backoff_initial_ms: 50, backoff_max_ms: 400,
              stable_after_ms: 1000, start_limit: 3, on_failed: shutdown}
)",
                              "daemons.yaml");
  ASSERT_EQ(r.daemons.size(), 1u);
  const DaemonSpec& d = r.daemons[0];
  EXPECT_EQ(d.name, "pipelock");
  EXPECT_EQ(d.argv, (std::vector<std::string>{"/bin/pipelock", "--config", "/etc/p.yaml"}));
  EXPECT_EQ(d.env.at("LOG"), "debug");
  EXPECT_EQ(d.inherit_env, (std::vector<std::string>{"TOKEN_A", "BOTTLE_TOKEN_*"}));
  EXPECT_EQ(d.workdir, "/var/lib");
  EXPECT_EQ(d.user, "nobody");
  EXPECT_EQ(d.reload_signal, SIGUSR2);
  EXPECT_EQ(d.stop_signal, SIGINT);
  EXPECT_EQ(d.stop_timeout, Millis(1500));
  EXPECT_EQ(d.on_signal.at(SIGUSR1), SignalAction::restart);
  EXPECT_EQ(d.on_signal.at(SIGHUP), SignalAction::reload);
  ASSERT_TRUE(d.readiness);
  EXPECT_EQ(d.readiness->tcp_port, 8888);
  EXPECT_EQ(d.readiness->timeout, Millis(700));
  EXPECT_EQ(d.restart.mode, RestartMode::on_failure);
  EXPECT_EQ(d.restart.backoff_initial, Millis(50));
  EXPECT_EQ(d.restart.backoff_max, Millis(400));
  EXPECT_EQ(d.restart.stable_after, Millis(1000));
  EXPECT_EQ(d.restart.start_limit, 3);
  EXPECT_EQ(d.restart.on_failed, FailedAction::shutdown_bundle);
}

TEST(RegistryParser, KeepsRegistryOrderAndDefaults) {
  Registry r =
      parse_registry("daemons:\n  - {name: b, argv: [x]}\n  - {name: a, argv: [y]}\n", "f");
  EXPECT_EQ(r.names(), (std::vector<std::string>{"b", "a"}));
  const DaemonSpec& d = r.daemons[0];
  EXPECT_EQ(d.stop_signal, SIGTERM);
  EXPECT_EQ(d.reload_signal, SIGHUP);
  EXPECT_EQ(d.workdir, "/");
  EXPECT_FALSE(d.readiness);
  EXPECT_TRUE(d.on_signal.empty());
  EXPECT_EQ(d.restart.mode, RestartMode::always);
}

TEST(RegistryParser, TheShippedRegistryParsesAndMapsSignalsAsDesigned) {
  Registry r = load_registry(SHIPPED_REGISTRY);
  EXPECT_EQ(r.names(), (std::vector<std::string>{"pipelock", "egress", "git-gate", "supervise"}));
  EXPECT_EQ(r.find("pipelock")->on_signal.at(SIGUSR1), SignalAction::restart);
  EXPECT_EQ(r.find("pipelock")->restart.on_failed, FailedAction::shutdown_bundle);
  EXPECT_EQ(r.find("egress")->on_signal.at(SIGHUP), SignalAction::reload);
  EXPECT_EQ(r.find("egress")->readiness->tcp_port, 8080);
  // The supervisor holds pipelock's socket, so a restart refuses no connection.
  ASSERT_TRUE(r.find("pipelock")->listen_socket);
  EXPECT_EQ(r.find("pipelock")->listen_socket->tcp_port, 8888);
  EXPECT_EQ(r.find("pipelock")->readiness->kind, Readiness::Kind::notify);
  // A token reaches egress alone.
  for (const auto& d : r.daemons) {
    bool inherits_tokens = false;
    for (const auto& v : d.inherit_env) inherits_tokens |= v.rfind("BOTTLE_TOKEN", 0) == 0;
    EXPECT_EQ(inherits_tokens, d.name == "egress") << d.name;
  }
}

TEST(RegistryParser, UnknownKeyNamesFileLineDaemonAndKey) {
  std::string e = error_of("daemons:\n  - name: egress\n    argv: [x]\n    stop_timout_ms: 5\n");
  EXPECT_NE(e.find("daemons.yaml:4"), std::string::npos) << e;
  EXPECT_NE(e.find("daemon 'egress'"), std::string::npos) << e;
  EXPECT_NE(e.find("'stop_timout_ms'"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key"), std::string::npos) << e;
}

TEST(RegistryParser, MissingArgvIsAnError) {
  std::string e = error_of("daemons:\n  - name: egress\n");
  EXPECT_NE(e.find("daemon 'egress': key 'argv': is required"), std::string::npos) << e;
  e = error_of("daemons:\n  - name: egress\n    argv: []\n");
  EXPECT_NE(e.find("must be a non-empty list"), std::string::npos) << e;
}

TEST(RegistryParser, WrongTypesNameTheKeyAndValue) {
  std::string e = error_of("daemons:\n  - name: a\n    argv: [x]\n    stop_timeout_ms: soon\n");
  EXPECT_NE(e.find("key 'stop_timeout_ms': must be an integer, got 'soon'"), std::string::npos)
      << e;
  e = error_of("daemons:\n  - name: a\n    argv: [x]\n    env: [A, B]\n");
  EXPECT_NE(e.find("key 'env': must be a mapping"), std::string::npos) << e;
  e = error_of("daemons:\n  - name: a\n    argv: x\n");
  EXPECT_NE(e.find("key 'argv': must be a non-empty list"), std::string::npos) << e;
  e = error_of("daemons:\n  - name: a\n    argv: [x]\n    readiness: {tcp_port: 70000}\n");
  EXPECT_NE(e.find("readiness.tcp_port': must be between 1 and 65535, got 70000"),
            std::string::npos)
      << e;
  e = error_of("daemons:\n  - name: a\n    argv: [x]\n    restart: {policy: sometimes}\n");
  EXPECT_NE(e.find("restart.policy': must be always, on-failure or never, got 'sometimes'"),
            std::string::npos)
      << e;
}

TEST(RegistryParser, RejectsBadSignals) {
  EXPECT_NE(error_of("daemons:\n  - {name: a, argv: [x], stop_signal: SIGFOO}\n")
                .find("unknown signal 'SIGFOO'"),
            std::string::npos);
  // SIGTERM means shutdown for the whole bundle; it cannot be redirected to one daemon.
  EXPECT_NE(error_of("daemons:\n  - {name: a, argv: [x], on_signal: {SIGTERM: restart}}\n")
                .find("only SIGHUP, SIGUSR1 and SIGUSR2"),
            std::string::npos);
  EXPECT_NE(error_of("daemons:\n  - {name: a, argv: [x], on_signal: {SIGUSR1: explode}}\n")
                .find("must be restart or reload, got 'explode'"),
            std::string::npos);
}

TEST(RegistryParser, RejectsDuplicatesAndBadNames) {
  EXPECT_NE(error_of("daemons:\n  - {name: a, argv: [x]}\n  - {name: a, argv: [y]}\n")
                .find("'a' appears twice"),
            std::string::npos);
  EXPECT_NE(error_of("daemons:\n  - {name: a, argv: [x], argv: [y]}\n").find("appears twice"),
            std::string::npos);
  EXPECT_NE(error_of("daemons:\n  - {name: 'Pipe Lock', argv: [x]}\n").find("is not a daemon name"),
            std::string::npos);
  EXPECT_NE(
      error_of("daemons:\n  - {name: a, argv: [x], workdir: relative}\n").find("absolute path"),
      std::string::npos);
  EXPECT_NE(error_of("daemons:\n  - {name: a, argv: [x], inherit_env: ['A-B']}\n")
                .find("not a variable name"),
            std::string::npos);
}

TEST(RegistryParser, RejectsBrokenFilesAndTopLevelMistakes) {
  std::string e = error_of("daemons:\n  - name: a\n    argv: [x\n");
  EXPECT_NE(e.find("daemons.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("not valid YAML"), std::string::npos) << e;
  EXPECT_NE(error_of("demons:\n  - {name: a, argv: [x]}\n").find("unknown key"), std::string::npos);
  EXPECT_NE(error_of("daemons: []\n").find("non-empty list"), std::string::npos);
  EXPECT_NE(error_of("version: 2\ndaemons:\n  - {name: a, argv: [x]}\n").find("key 'version'"),
            std::string::npos);
  EXPECT_NE(error_of("daemons:\n  - {name: a, argv: [x], restart: {backoff_initial_ms: 500, "
                     "backoff_max_ms: 100}}\n")
                .find("must not be smaller than backoff_initial_ms"),
            std::string::npos);
}

TEST(RegistryParser, MissingFileIsAConfigError) {
  EXPECT_THROW(load_registry("/nonexistent/daemons.yaml"), ConfigError);
}

TEST(RegistryParser, ReadsAListenSocketNotifyReadinessAndTheFailedRetry) {
  Registry r = parse_registry(R"(
daemons:
  - name: pipelock
    argv: [/bin/pipelock]
    listen_socket: {tcp_port: 8888, host: "::", backlog: 64}
    readiness: {notify: true, timeout_ms: 2000}
    restart: {failed_retry_ms: 0}
)",
                              "daemons.yaml");
  const DaemonSpec& d = r.daemons.at(0);
  ASSERT_TRUE(d.listen_socket);
  EXPECT_EQ(d.listen_socket->tcp_port, 8888);
  EXPECT_EQ(d.listen_socket->host, "::");
  EXPECT_EQ(d.listen_socket->backlog, 64);
  ASSERT_TRUE(d.readiness);
  EXPECT_EQ(d.readiness->kind, Readiness::Kind::notify);
  EXPECT_EQ(d.readiness->timeout, Millis(2000));
  EXPECT_EQ(d.restart.failed_retry, Millis(0));
  EXPECT_EQ(parse_registry("daemons: [{name: x, argv: [x]}]", "r").daemons[0].restart.failed_retry,
            Millis(60'000));
}

TEST(RegistryParser, RefusesReadinessThatCouldNeverTellAndHostsThatAreNotAddresses) {
  const std::string base = "daemons:\n  - name: p\n    argv: [x]\n";
  EXPECT_NE(error_of(base + "    listen_socket: {tcp_port: 80}\n    readiness: {tcp_port: 80}\n")
                .find("key 'readiness.tcp_port': cannot tell readiness on the port the "
                      "supervisor listens on"),
            std::string::npos);
  EXPECT_NE(error_of(base + "    readiness: {notify: true, tcp_port: 80}\n")
                .find("needs exactly one of tcp_port or notify: true"),
            std::string::npos);
  EXPECT_NE(error_of(base + "    readiness: {timeout_ms: 80}\n")
                .find("needs exactly one of tcp_port or notify: true"),
            std::string::npos);
  EXPECT_NE(error_of(base + "    listen_socket: {tcp_port: 80, host: localhost}\n")
                .find("key 'listen_socket.host': must be an IPv4 or IPv6 address, got 'localhost'"),
            std::string::npos);
  EXPECT_NE(error_of(base + "    listen_socket: {tcp_port: 0}\n")
                .find("key 'listen_socket.tcp_port': must be between 1 and 65535"),
            std::string::npos);
  EXPECT_NE(error_of(base + "    listen_socket: {tcp_port: 80, backlog: 1, extra: 1}\n")
                .find("key 'listen_socket.extra': unknown key"),
            std::string::npos);
}
