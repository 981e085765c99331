#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "supervisor_harness.hpp"

using namespace harness;

namespace {
const std::string kTwo = registry({testd_entry("pipelock", {}), testd_entry("egress", {})});
}

TEST(ConfigErrors, AnUnknownSelectedDaemonExitsTwoListingTheValidNames) {
  SupervisorUnderTest sup(kTwo, {.env = {{"CLAUDE_BOTTLE_SIDECAR_DAEMONS", "pipelock,egres"}}});
  EXPECT_EQ(sup.wait_exit(), 2);
  EXPECT_NE(sup.stderr_text().find("unknown daemon 'egres' (valid: pipelock, egress)"),
            std::string::npos)
      << sup.stderr_text();
  EXPECT_EQ(sup.stdout_text(), "") << "a daemon was started";
}

TEST(ConfigErrors, AnEmptySelectionExitsTwo) {
  SupervisorUnderTest sup(kTwo, {.env = {{"CLAUDE_BOTTLE_SIDECAR_DAEMONS", " , "}}});
  EXPECT_EQ(sup.wait_exit(), 2);
  EXPECT_NE(sup.stderr_text().find("selects no daemon (valid: pipelock, egress)"),
            std::string::npos)
      << sup.stderr_text();
  EXPECT_EQ(sup.stdout_text(), "");
}

TEST(ConfigErrors, TheSelectionStartsOnlyTheNamedDaemons) {
  SupervisorUnderTest sup(kTwo, {.env = {{"CLAUDE_BOTTLE_SIDECAR_DAEMONS", " egress "}}});
  ASSERT_TRUE(sup.wait_running("egress")) << sup.stderr_text();
  auto s = sup.status();
  ASSERT_EQ((*s)["daemons"].size(), 1u);
  EXPECT_TRUE(sup.processes_named("pipelock").empty());
}

TEST(ConfigErrors, ABadRegistryExitsTwoNamingFileDaemonAndKeyAndStartsNothing) {
  SupervisorUnderTest sup(kTwo + "    stop_timeout_ms: [1]\n");
  EXPECT_EQ(sup.wait_exit(), 2);
  const std::string err = sup.stderr_text();
  EXPECT_NE(err.find(sup.dir() + "/daemons.yaml:"), std::string::npos) << err;
  EXPECT_NE(err.find("daemon 'egress': key 'stop_timeout_ms': must be an integer"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("nothing started"), std::string::npos) << err;
  EXPECT_EQ(sup.stdout_text(), "") << "pipelock, the valid entry, was started anyway";
}

TEST(ConfigErrors, AnUnknownRunAsUserExitsTwo) {
  SupervisorUnderTest sup(registry({testd_entry("pipelock", {}, "    user: no-such-user-here\n")}));
  EXPECT_EQ(sup.wait_exit(), 2);
  EXPECT_NE(sup.stderr_text().find(
                "daemon 'pipelock': key 'user': user 'no-such-user-here' does not exist"),
            std::string::npos)
      << sup.stderr_text();
}

TEST(ConfigErrors, AMissingRegistryFileExitsTwo) {
  SupervisorUnderTest sup(kTwo, {.extra_args = {"--registry", "/nonexistent/daemons.yaml"}});
  EXPECT_EQ(sup.wait_exit(), 2);
  EXPECT_NE(sup.stderr_text().find("/nonexistent/daemons.yaml: cannot read the daemon registry"),
            std::string::npos)
      << sup.stderr_text();
}

TEST(ConfigErrors, CheckRefusesAProgramThatDoesNotExistOrIsNotExecutable) {
  SupervisorUnderTest missing("daemons:\n  - name: ghost\n    argv: [/nonexistent/ghostd]\n",
                              {.extra_args = {"--check"}});
  EXPECT_EQ(missing.wait_exit(), 2);
  EXPECT_NE(missing.stderr_text().find(
                "daemon 'ghost': key 'argv': program '/nonexistent/ghostd' does not exist"),
            std::string::npos)
      << missing.stderr_text();

  char data[] = "/tmp/not-a-program-XXXXXX";
  close(mkstemp(data));  // 0600: no execute bit for anyone
  SupervisorUnderTest not_executable(
      "daemons:\n  - name: data\n    argv: [" + std::string(data) + "]\n",
      {.extra_args = {"--check"}});
  EXPECT_EQ(not_executable.wait_exit(), 2);
  EXPECT_NE(
      not_executable.stderr_text().find("program '" + std::string(data) + "' is not executable"),
      std::string::npos)
      << not_executable.stderr_text();
  unlink(data);

  SupervisorUnderTest not_on_path("daemons:\n  - name: typo\n    argv: [no-such-program-xyz]\n",
                                  {.extra_args = {"--check"}});
  EXPECT_EQ(not_on_path.wait_exit(), 2);
  EXPECT_NE(not_on_path.stderr_text().find("is not found in its PATH"), std::string::npos)
      << not_on_path.stderr_text();

  SupervisorUnderTest fine("daemons:\n  - name: sleeper\n    argv: [sleep, '1000']\n",
                           {.extra_args = {"--check"}});
  EXPECT_EQ(fine.wait_exit(), 0) << fine.stderr_text();
}

TEST(ConfigErrors, AListenSocketThatCannotBeBoundStartsNothing) {
  const int port = free_tcp_port();
  const std::string entry = "    listen_socket: {tcp_port: " + std::to_string(port) +
                            ", host: 127.0.0.1}\n    readiness: {notify: true}\n";
  // Two daemons asking for the same socket: the registry says so before anything binds.
  SupervisorUnderTest sup(registry({testd_entry("one", {}, entry), testd_entry("two", {}, entry)}));
  EXPECT_EQ(sup.wait_exit(), 2);
  EXPECT_NE(sup.stderr_text().find("daemon 'two': key 'listen_socket.tcp_port'"), std::string::npos)
      << sup.stderr_text();
  EXPECT_EQ(sup.stdout_text(), "");
}
