#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include "supervisor_harness.hpp"

using namespace harness;

TEST(ControlSocket, StatusShowsEachDaemonsStatePidUptimeRestartsAndLastExit) {
  SupervisorUnderTest sup(
      registry({testd_entry("pipelock", {}, "    on_signal: {SIGUSR1: restart}\n"),
                testd_entry("egress", {})}));
  ASSERT_TRUE(sup.wait_running("egress") && sup.wait_testd_started("pipelock"));
  sup.signal(SIGUSR1);
  ASSERT_TRUE(eventually([&] {
    return (*sup.daemon("pipelock"))["restarts"] == 1 &&
           (*sup.daemon("pipelock"))["state"] == "running";
  }));
  auto p = *sup.daemon("pipelock");
  EXPECT_TRUE(p["pid"].is_number());
  EXPECT_GE(p["uptime_ms"].get<long long>(), 0);
  EXPECT_EQ(p["last_exit"], "exit code 0");  // testd exits 0 on SIGTERM
  auto [code, table] = sup.sidecarctl({"status"});
  EXPECT_EQ(code, 0);
  EXPECT_NE(table.find("DAEMON"), std::string::npos) << table;
  EXPECT_NE(table.find("pipelock"), std::string::npos) << table;
  EXPECT_NE(table.find("running"), std::string::npos) << table;
  EXPECT_NE(table.find("exit code 0"), std::string::npos) << table;
}

TEST(ControlSocket, TheSocketIsForRootOnly) {
  SupervisorUnderTest sup(registry({testd_entry("pipelock", {})}));
  ASSERT_TRUE(sup.wait_running("pipelock"));
  struct stat st {};
  ASSERT_EQ(stat((sup.dir() + "/control.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(ControlSocket, UnknownDaemonsAndBadRequestsAreRefusedWithAReason) {
  SupervisorUnderTest sup(registry({testd_entry("pipelock", {})}));
  ASSERT_TRUE(sup.wait_running("pipelock"));
  auto [code, out] = sup.sidecarctl({"restart", "pipelok"});
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("no selected daemon named 'pipelok'"), std::string::npos) << out;
  EXPECT_EQ(sup.sidecarctl({"frobnicate"}).first, 2);
}

TEST(ControlSocket, HealthIsGoodOnlyOnceEveryDaemonIsRunningAndReady) {
  const int port = free_tcp_port();
  SupervisorUnderTest sup(registry({
      testd_entry("slow", {"--listen", std::to_string(port), "--listen-delay-ms", "1500"},
                  "    readiness: {tcp_port: " + std::to_string(port) + "}\n"),
      testd_entry("quick", {}),
  }));
  ASSERT_TRUE(eventually([&] { return sup.daemon("slow").has_value(); }));
  auto [code, out] = sup.sidecarctl({"health"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("unhealthy: slow is starting"), std::string::npos) << out;
  EXPECT_TRUE(eventually([&] { return sup.sidecarctl({"health"}).first == 0; }));
}

TEST(ControlSocket, SidecarctlSaysWhenTheSupervisorIsUnreachable) {
  SupervisorUnderTest sup(registry({testd_entry("pipelock", {})}));
  ASSERT_TRUE(sup.wait_running("pipelock"));
  sup.signal(SIGTERM);
  ASSERT_EQ(sup.wait_exit(), 0);
  auto [code, out] = sup.sidecarctl({"status"});
  EXPECT_EQ(code, 3);
  EXPECT_NE(out.find("cannot reach the supervisor"), std::string::npos) << out;
}
