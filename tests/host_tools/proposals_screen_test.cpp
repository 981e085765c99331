// What the operator sees: `bottle proposals` rendered by a real terminal
// emulator (tmux), and what is on its screen compared with what the proposal
// file holds. A terminal obeys backspaces, carriage returns and escape
// sequences, so a test reading the program's raw output would miss a screen
// that lies.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "bottle/proposals/proposal_store.hpp"
#include "bottle_cli_harness.hpp"

namespace fs = std::filesystem;
using namespace bottle::proposals;
using nlohmann::json;

namespace {

// One tmux server on its own socket, running one `bottle` command in a pane
// wide enough that nothing wraps; text() is what the pane displays.
class Screen {
 public:
  Screen(const BottleCli& cli, const std::vector<std::string>& args)
      : socket_("bottle-screen-" + std::to_string(::getpid()) + "-" + std::to_string(next_++)),
        dir_(cli.scratch()) {
    const fs::path script = dir_ / (socket_ + ".sh");
    std::ofstream s(script);
    s << "#!/bin/sh\n";
    s << "'" << BOTTLE_BIN << "' --state-dir '" << cli.state().string() << "'";
    for (const auto& a : args) s << " '" << a << "'";
    // The marker says the output is complete; wait-for tells the test so.
    s << "\necho \"[exit $?]\"\ntmux -L " << socket_ << " wait-for -S shown\n";
    s.close();
    fs::permissions(script, fs::perms::owner_all);
    // remain-on-exit keeps the pane on screen once the command is done.
    const fs::path conf = dir_ / (socket_ + ".conf");
    // default-size: tmux 3.3 otherwise draws the first lines at 80x24 and
    // loses a long one when the window grows to its -x/-y size.
    std::ofstream(conf) << "set -g remain-on-exit on\nset -g default-size 250x60\n";
    const auto started =
        bottle::run_captured({"tmux", "-L", socket_, "-f", conf.string(), "new-session", "-d", "-x",
                              "250", "-y", "60", script.string()},
                             cli.base_env());
    if (!started.ok()) throw std::runtime_error("tmux did not start: " + started.err);
    const auto waited =
        bottle::run_captured({"timeout", "20", "tmux", "-L", socket_, "wait-for", "shown"});
    if (!waited.ok()) throw std::runtime_error("the command in tmux did not finish");
  }
  ~Screen() { bottle::run_captured({"tmux", "-L", socket_, "kill-server"}); }

  // The pane's text, lines joined where they wrapped, from the top of its
  // history (tmux may scroll the first line off while it sizes a detached
  // window), as the operator would scroll through it. tmux may still
  // be reading the last bytes from the pane when wait-for answers, so this
  // waits for the command's exit marker to be drawn.
  std::string text() const {
    std::string shown;
    for (int i = 0; i < 250; ++i) {
      shown =
          bottle::run_captured({"tmux", "-L", socket_, "capture-pane", "-p", "-J", "-S", "-"}).out;
      if (shown.find("[exit ") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return shown;
  }

 private:
  static inline int next_ = 0;
  std::string socket_;
  fs::path dir_;
};

class ProposalScreen : public ::testing::Test {
 protected:
  void SetUp() override { cli_.start_demo(); }
  fs::path proposals_dir() const { return cli_.bottle_dir() / "proposals"; }
  ProposalStore store() const { return ProposalStore(proposals_dir()); }
  fs::path file_of(const std::string& id) const { return proposals_dir() / (id + ".json"); }
  // A proposal file as supervise writes one, for a route with this upstream.
  std::string route_file(const std::string& upstream) const {
    Proposal p;
    p.reason = "the tracker's API";
    bottle::config::Route r;
    r.host = "tracker.example.com";
    r.upstream = upstream;
    r.token_env = "GITHUB_TOKEN";
    p.change = RouteChange{{r}, {}};
    return store().create(p).id;
  }
  BottleCli cli_;
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_F(ProposalScreen, AForgedUpstreamCannotMakeTheScreenNameAnotherHost) {
  // On a terminal the backspaces walk back over "tokens.evil.example/", the
  // real host is overwritten by api.github.com and ESC[K erases the rest.
  const std::string forged =
      "https://tokens.evil.example/" + std::string(20, '\b') + "api.github.com\x1b[K";
  const std::string id = route_file(forged);
  const std::string held = json::parse(read_text(file_of(id)))["change"]["add"][0]["upstream"];
  ASSERT_EQ(held, forged) << "the file holds the real upstream";

  for (const char* verb : {"show", "approve"}) {
    const std::string screen = Screen(cli_, {"proposals", verb, "demo", id}).text();
    EXPECT_FALSE(has(screen, "https://api.github.com")) << verb << " displayed:\n" << screen;
    EXPECT_TRUE(has(screen, "tokens.evil.example")) << verb << " displayed:\n" << screen;
  }
  // Nothing was approved on the strength of that screen.
  EXPECT_EQ(read_text(file_of(id)).find("approved"), std::string::npos);
  EXPECT_FALSE(has(read_text(cli_.bottle_dir() / "egress/routes.yaml"), "tokens.evil.example"));
}

TEST_F(ProposalScreen, WhatShowDisplaysIsWhatTheFileHolds) {
  const std::string id = route_file("https://tracker.example.com/api/v2");
  const json file = json::parse(read_text(file_of(id)));
  const std::string screen = Screen(cli_, {"proposals", "show", "demo", id}).text();
  const auto& route = file["change"]["add"][0];
  EXPECT_TRUE(has(screen, "approving sends the value of $" + route["token_env"].get<std::string>() +
                              " to " + route["upstream"].get<std::string>() +
                              " on every request for " + route["host"].get<std::string>() +
                              route["path_prefix"].get<std::string>() + "\n"))
      << screen;
  EXPECT_TRUE(has(screen, "  | " + file["reason"].get<std::string>() + "\n")) << screen;
  EXPECT_TRUE(has(screen, "made " + file["created"].get<std::string>() + "\n")) << screen;
}

TEST_F(ProposalScreen, HandEditedMetadataIsShownEscapedAndTheOtherProposalsStillList) {
  const std::string good = route_file("https://tracker.example.com");
  const std::string edited = route_file("https://tracker.example.com/other");
  json doc = json::parse(read_text(file_of(edited)));
  doc["state"] = "rejected";
  doc["decided_at"] = "2026-01-01T00:00:00Z\x1b[2J\x1b[H";  // clear the screen, home
  doc["decided_by"] = "ops\rroot";
  doc["comment"] = "fine\x1b]0;pwned\x07";
  doc["created"] = "2026-01-01T00:00:00Z\x1b[1A\x1b[2K";  // up one line, erase it
  std::ofstream(file_of(edited)) << doc.dump(2);

  const std::string listed = Screen(cli_, {"proposals", "list", "demo"}).text();
  EXPECT_TRUE(has(listed, good)) << listed;
  EXPECT_TRUE(has(listed, "unreadable")) << listed;
  EXPECT_TRUE(has(listed, edited)) << listed;
  EXPECT_TRUE(has(listed, "[exit 0]")) << listed;

  const std::string shown = Screen(cli_, {"proposals", "show", "demo", edited}).text();
  EXPECT_TRUE(has(shown, edited)) << shown;
  EXPECT_TRUE(has(shown, "\\x1b")) << "the escape is named, not obeyed:\n" << shown;
  EXPECT_FALSE(has(shown, "pwned\n")) << shown;
}
