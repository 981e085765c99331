#pragma once

// A real terminal for a test: one tmux server of the test's own (its socket
// where the test says), one 80x24 window running `command`; keys in
// (send-keys), the screen out (capture-pane).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bottle/subprocess.hpp"

namespace bottle_test {

class TmuxTerminal {
 public:
  TmuxTerminal(const std::filesystem::path& socket, const std::string& command)
      : socket_(socket.string()) {
    const auto r = tmux({"new-session", "-d", "-s", "t", "-x", "80", "-y", "24", command});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  ~TmuxTerminal() {
    const std::string pid = tmux({"display-message", "-p", "-t", "t", "#{pane_pid}"}).out;
    tmux({"kill-server"});
    // The program in the pane ends on the hang-up, some time after: the test
    // must not remove the folders it works in under it.
    if (!pid.empty()) wait_gone("/proc/" + pid.substr(0, pid.find('\n')) + "/stat");
  }
  TmuxTerminal(const TmuxTerminal&) = delete;
  TmuxTerminal& operator=(const TmuxTerminal&) = delete;

  std::string screen() const { return tmux({"capture-pane", "-p", "-t", "t"}).out; }
  void keys(const std::vector<std::string>& keys) const {
    std::vector<std::string> args = {"send-keys", "-t", "t"};
    args.insert(args.end(), keys.begin(), keys.end());
    tmux(args);
  }
  // Waits until the screen shows `text` (or the deadline passes); the screen.
  std::string wait_for(const std::string& text,
                       std::chrono::milliseconds deadline = std::chrono::seconds(5)) const {
    const auto end = std::chrono::steady_clock::now() + deadline;
    std::string s;
    do {
      s = screen();
      if (s.find(text) != std::string::npos) return s;
      // tmux has no event for "the screen changed": it is looked at again.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < end);
    ADD_FAILURE() << "the screen never showed '" << text << "':\n" << s;
    return s;
  }

 private:
  bottle::CommandResult tmux(std::vector<std::string> args) const {
    args.insert(args.begin(), {"tmux", "-S", socket_});
    return bottle::run_captured(args, {});
  }
  // Until the process whose /proc/PID/stat this is has exited (gone, or a
  // zombie), for at most 5 s.
  static void wait_gone(const std::string& stat_path) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < end) {
      std::ifstream stat(stat_path);
      std::string line;
      if (!std::getline(stat, line)) return;
      const auto paren = line.rfind(')');
      if (paren == std::string::npos || line.compare(paren + 2, 1, "Z") == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // no event for another's exit
    }
  }
  std::string socket_;
};

}  // namespace bottle_test
