#include <gtest/gtest.h>
#include <signal.h>

#include "supervisor_harness.hpp"

using namespace harness;

TEST(Reload, SighupReachesEgressAndEgressKeepsItsPid) {
  const int egress_port = free_tcp_port(), pipelock_port = free_tcp_port();
  SupervisorUnderTest sup(registry({
      testd_entry("pipelock", {"--listen", std::to_string(pipelock_port)},
                  "    on_signal: {SIGUSR1: restart}\n"),
      testd_entry("egress", {"--listen", std::to_string(egress_port)},
                  "    on_signal: {SIGHUP: reload}\n"
                  "    readiness: {tcp_port: " +
                      std::to_string(egress_port) + "}\n"),
  }));
  ASSERT_TRUE(sup.wait_running("egress") && sup.wait_running("pipelock")) << sup.stderr_text();
  const auto egress_pid = (*sup.daemon("egress"))["pid"];
  const auto pipelock_pid = (*sup.daemon("pipelock"))["pid"];
  TestdConnection to_egress(egress_port);
  const std::string real_pid = to_egress.ask("pid");
  ASSERT_EQ(to_egress.ask("hups"), "0");

  sup.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return to_egress.ask("hups") == "1"; })) << sup.stderr_text();
  EXPECT_EQ(to_egress.ask("pid"), real_pid);
  EXPECT_EQ((*sup.daemon("egress"))["pid"], egress_pid);
  EXPECT_EQ((*sup.daemon("egress"))["restarts"], 0);
  // SIGHUP is egress's alone: pipelock neither reloaded nor restarted.
  EXPECT_EQ((*sup.daemon("pipelock"))["pid"], pipelock_pid);
  EXPECT_EQ(sup.stdout_text().find("pipelock: testd pipelock: got SIGHUP"), std::string::npos);
  EXPECT_NE(sup.stdout_text().find("egress: testd egress: got SIGHUP (1 so far)"),
            std::string::npos);
}

TEST(Reload, SidecarctlSendsTheConfiguredReloadSignal) {
  const int port = free_tcp_port();
  SupervisorUnderTest sup(
      registry({testd_entry("egress", {"--listen", std::to_string(port)},
                            "    readiness: {tcp_port: " + std::to_string(port) + "}\n")}));
  ASSERT_TRUE(sup.wait_running("egress")) << sup.stderr_text();
  TestdConnection to_egress(port);
  auto [code, out] = sup.sidecarctl({"reload", "egress"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_TRUE(eventually([&] { return to_egress.ask("hups") == "1"; }));
}
