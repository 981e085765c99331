#include <gtest/gtest.h>
#include <signal.h>

#include "supervisor_harness.hpp"

using namespace harness;

namespace {
std::string shell_daemon(const std::string& name, const std::string& script) {
  return "  - name: " + name + "\n    argv: [/bin/sh, -c, '" + script +
         "']\n    restart: {policy: never}\n";
}
}  // namespace

TEST(LogRelay, EachLineIsPrefixedWithItsDaemonOnTheStreamItWasWrittenTo) {
  SupervisorUnderTest sup(registry({
      shell_daemon("alpha", "echo to-out; echo to-err >&2"),
      shell_daemon("beta", "echo beta-out"),
  }));
  ASSERT_TRUE(eventually([&] {
    auto a = sup.daemon("alpha");
    auto b = sup.daemon("beta");
    return a && b && (*a)["state"] == "exited" && (*b)["state"] == "exited";
  }));
  EXPECT_TRUE(
      eventually([&] { return sup.stdout_text().find("beta: beta-out\n") != std::string::npos; }));
  EXPECT_NE(sup.stdout_text().find("alpha: to-out\n"), std::string::npos) << sup.stdout_text();
  EXPECT_NE(sup.stderr_text().find("alpha: to-err\n"), std::string::npos) << sup.stderr_text();
  EXPECT_EQ(sup.stdout_text().find("to-err"), std::string::npos);
  // The supervisor's own events: its name first, then time and level.
  EXPECT_NE(sup.stderr_text().find("supervisor: "), std::string::npos);
  EXPECT_NE(sup.stderr_text().find(" info: alpha: started, pid "), std::string::npos)
      << sup.stderr_text();
  EXPECT_NE(sup.stderr_text().find("alpha: pid "), std::string::npos);
}

TEST(LogRelay, PartialLongAndBinaryLinesAreRelayedSafely) {
  // 40000 x's with no newline, a last line without newline, raw bytes and an escape sequence.
  SupervisorUnderTest sup(
      registry({shell_daemon("odd",
                             "head -c 40000 /dev/zero | tr \"\\\\0\" x; echo; printf \"bin "
                             "\\\\377\\\\033[2J ok\\\\n\"; printf tail-without-newline")}));
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("odd");
    return d && (*d)["state"] == "exited";
  })) << sup.stderr_text();
  ASSERT_TRUE(eventually([&] {
    return sup.stdout_text().find("odd: tail-without-newline\n") != std::string::npos;
  })) << sup.stdout_text().substr(0, 300);
  const std::string out = sup.stdout_text();
  EXPECT_NE(out.find("odd: bin \\xff\\x1b[2J ok\n"), std::string::npos);
  // 40000 bytes in pieces of at most 16 KiB, the later ones marked as continued.
  EXPECT_NE(out.find("odd: " + std::string(16384, 'x') + "\n"), std::string::npos);
  EXPECT_NE(out.find("odd: [continued] " + std::string(16384, 'x') + "\n"), std::string::npos);
  EXPECT_NE(out.find("odd: [continued] " + std::string(40000 - 2 * 16384, 'x') + "\n"),
            std::string::npos);
}

TEST(LogRelay, C1ControlsAndBidiOverridesAreEscapedLikeOtherControls) {
  // The 8-bit CSI (c2 9b) and a right-to-left override (e2 80 ae) would drive
  // or reorder the operator's terminal.
  SupervisorUnderTest sup(
      registry({shell_daemon("tricky", "printf \"a\\302\\2332Jb\\342\\200\\256cba\\n\"")}));
  ASSERT_TRUE(eventually([&] { return sup.stdout_text().find("tricky: ") != std::string::npos; }))
      << sup.stderr_text();
  EXPECT_NE(sup.stdout_text().find("tricky: a\\u009b2Jb\\u202ecba\n"), std::string::npos)
      << sup.stdout_text();
}

TEST(LogRelay, AFloodingDaemonBehindAStuckLogReaderDoesNotDelayASiblingsRestart) {
  const int port = free_tcp_port();
  SupervisorUnderTest sup(
      registry({
          testd_entry("flooder", {"--flood-bytes", "100000000"}),
          testd_entry("pipelock", {"--listen", std::to_string(port)},
                      "    on_signal: {SIGUSR1: restart}\n    readiness: {tcp_port: " +
                          std::to_string(port) + "}\n"),
      }),
      {.stdout_to_unread_pipe = true});
  ASSERT_TRUE(sup.wait_running("pipelock")) << sup.stderr_text();
  const auto old_pid = (*sup.daemon("pipelock"))["pid"];
  sup.signal(SIGUSR1);
  // Nobody reads the supervisor's stdout, and 100 MB are coming: the restart still completes.
  ASSERT_TRUE(eventually([&] {
    auto d = sup.daemon("pipelock");
    return d && (*d)["state"] == "running" && (*d)["pid"] != old_pid;
  })) << sup.stderr_text();
  // The flooder was never blocked either: the supervisor kept draining its pipe.
  EXPECT_TRUE(eventually([&] {
    return sup.stderr_text().find("flooder: flood done: 100000000 bytes") != std::string::npos;
  })) << sup.stderr_text();
  // Once the reader catches up, the supervisor says what it dropped.
  EXPECT_TRUE(eventually([&] {
    sup.drain_stdout_pipe();
    return sup.stderr_text().find("lines (") != std::string::npos &&
           sup.stderr_text().find("of flooder's stdout: the log reader was too slow") !=
               std::string::npos;
  })) << sup.stderr_text();
}
