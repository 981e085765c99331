// The dashboard's children: lines as they come, an end after the last one,
// and a child whose object goes first is killed and still reaped.
#include "child_command.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using host_tools::ChildCommand;

// 'Z' when the process is a zombie, 0 when it is gone.
char process_state(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return 0;
  const auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? 0 : text[paren + 2];
}

TEST(ChildCommand, LinesComeAsTheyAreWrittenThenTheEndOnce) {
  bottle::uv::Loop loop;
  std::vector<std::string> lines;
  int ends = 0;
  int status = -2;
  {
    ChildCommand c(
        loop, {"sh", "-c", "printf 'one\\ntwo\\nlast-without-newline'; exit 3"},
        [&](std::string_view l) { lines.emplace_back(l); },
        [&](int s) {
          ++ends;
          status = s;
        });
    loop.run();
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "last-without-newline"}));
  EXPECT_EQ(ends, 1);
  EXPECT_EQ(status, 3);
}

TEST(ChildCommand, ALineLongerThanTheLimitIsCutAndTheNextOneKept) {
  bottle::uv::Loop loop;
  std::vector<std::string> lines;
  {
    ChildCommand c(
        loop, {"sh", "-c", "printf '%0100000d' 0 | tr 0 x; echo; echo next"},
        [&](std::string_view l) { lines.emplace_back(l); }, [](int) {}, 1000);
    loop.run();
  }
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], std::string(1000, 'x'));
  EXPECT_EQ(lines[1], "next");
}

TEST(ChildCommand, AChildStillRunningWhenItsObjectGoesIsKilledAndReaped) {
  // Closed at once, libuv never reaped it: a zombie per poll timeout.
  bottle::uv::Loop loop;
  int pid = 0;
  {
    auto c = std::make_unique<ChildCommand>(
        loop, std::vector<std::string>{"sh", "-c", "echo $$; exec sleep 30"},
        [&](std::string_view l) {
          pid = std::stoi(std::string(l));
          loop.stop();
        },
        [](int) {});
    loop.run();
    ASSERT_GT(pid, 0);
    c.reset();
  }
  loop.run();  // the exit callback reaps it and frees the handle
  EXPECT_EQ(process_state(pid), 0) << "pid " << pid << " is left as " << process_state(pid);
}

TEST(ChildCommand, AProgramThatCannotStartEndsWithMinusOneFromTheLoop) {
  bottle::uv::Loop loop;
  int status = 0;
  {
    ChildCommand c(
        loop, {"/nonexistent/program"}, [](std::string_view) {}, [&](int s) { status = s; });
    EXPECT_EQ(status, 0) << "reported from inside the constructor";
    loop.run();
  }
  EXPECT_EQ(status, -1);
}

}  // namespace
