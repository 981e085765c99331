// A daemon starts with exactly the fds it should: 0, 1, 2, and the listening
// socket it asked for; nothing the supervisor holds or inherited.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "supervisor_harness.hpp"

using namespace harness;

namespace {
// The fds of the daemon's process, read from outside it (the process must not
// open anything to look).
std::vector<int> fds_of(const SupervisorUnderTest& sup, const std::string& daemon) {
  std::vector<int> out;
  eventually([&] {
    auto d = sup.daemon(daemon);
    return d && (*d)["pid"].is_number() && sup.outer_pid((*d)["pid"].get<int>()) > 0;
  });
  const pid_t pid = sup.outer_pid((*sup.daemon(daemon))["pid"].get<int>());
  DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') out.push_back(std::atoi(e->d_name));
  }
  closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

std::string environ_of(const SupervisorUnderTest& sup, const std::string& daemon) {
  const pid_t pid = sup.outer_pid((*sup.daemon(daemon))["pid"].get<int>());
  std::string env = read_file("/proc/" + std::to_string(pid) + "/environ");
  std::replace(env.begin(), env.end(), '\0', '\n');
  return env;
}
}  // namespace

TEST(DaemonFds, ADaemonGetsOnlyStdinStdoutAndStderrEvenWhenTheSupervisorInheritedMore) {
  SupervisorUnderTest sup(registry({"  - name: sleeper\n    argv: [sleep, '1000']\n"}),
                          {.leak_fd = true});
  ASSERT_TRUE(sup.wait_running("sleeper")) << sup.stderr_text();
  EXPECT_EQ(fds_of(sup, "sleeper"), (std::vector<int>{0, 1, 2}));
}

TEST(DaemonFds, ADaemonWithAListenSocketGetsItAsFdThreeWithTheActivationVariables) {
  const int port = free_tcp_port();
  SupervisorUnderTest sup(registry({"  - name: sleeper\n    argv: [sleep, '1000']\n"
                                    "    listen_socket: {tcp_port: " +
                                    std::to_string(port) + ", host: 127.0.0.1}\n"}),
                          {.leak_fd = true});
  ASSERT_TRUE(sup.wait_running("sleeper")) << sup.stderr_text();
  EXPECT_EQ(fds_of(sup, "sleeper"), (std::vector<int>{0, 1, 2, 3}));
  const std::string env = environ_of(sup, "sleeper");
  const int inner_pid = (*sup.daemon("sleeper"))["pid"].get<int>();
  EXPECT_NE(env.find("LISTEN_FDS=1\n"), std::string::npos) << env;
  EXPECT_NE(env.find("LISTEN_FDNAMES=sleeper\n"), std::string::npos) << env;
  EXPECT_NE(env.find("LISTEN_PID=" + std::to_string(inner_pid) + "\n"), std::string::npos) << env;
  // The supervisor holds the socket: it accepts although the daemon never does.
  TestdConnection probe(port);  // throws (fails the test) if refused
}
