// The regression that made the supervisor restart daemons one by one: an
// allowlist change (SIGUSR1, pipelock restarted in place) must leave the
// agent's MCP session to supervise, and its open event stream, untouched.
#include <gtest/gtest.h>
#include <signal.h>

#include "supervise_harness.hpp"
#include "supervisor_harness.hpp"

using namespace supervise_test;
using nlohmann::json;
using namespace std::chrono_literals;

TEST(PipelockRestart, SigusrOneLeavesSupervisesSessionAndEventStreamOpen) {
  const auto files = scratch_bottle("supervise-restart");
  const int pipelock_port = harness::free_tcp_port();
  const int supervise_port = harness::free_tcp_port();
  const std::string supervise_entry =
      "  - name: supervise\n    argv: [" + std::string(SUPERVISE_BIN) +
      ", --listen, '127.0.0.1:" + std::to_string(supervise_port) + "', --proposals, '" +
      files.proposals.string() + "', --pipelock-config, '" + files.pipelock_config.string() +
      "', --routes, '" + files.routes_config.string() +
      "']\n    readiness: {tcp_port: " + std::to_string(supervise_port) + "}\n";
  harness::SupervisorUnderTest sup(harness::registry(
      {harness::testd_entry("pipelock", {"--listen", std::to_string(pipelock_port)},
                            "    on_signal: {SIGUSR1: restart}\n    readiness: {tcp_port: " +
                                std::to_string(pipelock_port) + "}\n"),
       supervise_entry}));
  ASSERT_TRUE(sup.wait_running("pipelock") && sup.wait_running("supervise")) << sup.stderr_text();
  const auto supervise_pid = (*sup.daemon("supervise"))["pid"];
  const auto old_pipelock = (*sup.daemon("pipelock"))["pid"];

  McpSession session(supervise_port);
  HttpConnection stream(supervise_port);
  stream.open_event_stream(session.id());
  ASSERT_EQ(stream.read_head().status, 200u);

  sup.signal(SIGUSR1);
  ASSERT_TRUE(harness::eventually([&] {
    auto d = sup.daemon("pipelock");
    return d && (*d)["state"] == "running" && (*d)["pid"] != old_pipelock;
  })) << sup.stderr_text();

  // Same process, same kept-alive connection, same session, stream still open.
  EXPECT_EQ((*sup.daemon("supervise"))["pid"], supervise_pid);
  EXPECT_EQ((*sup.daemon("supervise"))["restarts"], 0);
  EXPECT_EQ(session.call("ping")["result"], json::object());
  EXPECT_EQ(session.tool("get_allowlist")["structuredContent"]["hosts"], json({"a.com"}));
  EXPECT_FALSE(stream.closed_by_server());
}
