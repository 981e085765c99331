// DLP scans on worker threads: results come back on the loop's thread, a
// scan whose session has gone reports to no one, a scan past its budget is
// a refusal, and a fork (pipelock's tunnel carrier) loses no scan.
#include "dlp_scans.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "bottle/secrets/gitleaks_config.hpp"
#include "bottle/uv/timer.hpp"
#include "held_bytes.hpp"
#include "near_secret_text.hpp"

namespace {

using pipelock::DlpScans;
using namespace std::chrono_literals;

const std::string kToken = "ghp_" + std::string("Q8z2Lm4T9xKv7W3rN5pA1bC6dE0fG2hJ4kL8");

const pipelock::RequestDlp& dlp() {
  static const bottle::secrets::Scanner scanner(
      bottle::secrets::load_gitleaks_config(SHIPPED_RULES));
  static const pipelock::RequestDlp dlp(scanner);
  return dlp;
}

DlpScans::Request post(const std::string& body) {
  DlpScans::Request req{boost::beast::http::verb::post, "/upload", 11};
  req.set(boost::beast::http::field::host, "allowed.test");
  req.body() = body;
  return req;
}

// Text a generic rule must weigh line by line (near_secret_text.hpp).
std::string dense_body(std::size_t lines) { return bottle_test::near_secret_lines(lines, 7); }

TEST(DlpScans, AResultComesBackOnTheLoopsThreadWithTheRequestHandedBack) {
  bottle::uv::Loop loop;
  std::string found = "not called";
  std::string body_back;
  std::thread::id called_on;
  {
    DlpScans scans(loop, dlp(), {});
    auto pending = scans.scan(DlpScans::Part::body, post("token=" + kToken),
                              [&](DlpScans::Request req, std::optional<pipelock::DlpFinding> f) {
                                called_on = std::this_thread::get_id();
                                found = f ? f->rule_id + " in " + f->where : "none";
                                body_back = req.body();
                                loop.stop();
                              });
    loop.run();
  }
  EXPECT_EQ(found, "github-pat in body");
  EXPECT_EQ(body_back, "token=" + kToken);
  EXPECT_EQ(called_on, std::this_thread::get_id());
}

TEST(DlpScans, AScanWhoseSessionHasGoneReportsToNoOne) {
  bottle::uv::Loop loop;
  int called = 0;
  {
    DlpScans scans(loop, dlp(), {});
    auto gone =
        scans.scan(DlpScans::Part::body, post(dense_body(5000)),
                   [&](DlpScans::Request, std::optional<pipelock::DlpFinding>) { ++called; });
    gone.reset();
    auto kept = scans.scan(DlpScans::Part::head, post(""),
                           [&](DlpScans::Request, std::optional<pipelock::DlpFinding> f) {
                             EXPECT_FALSE(f);
                             loop.stop();
                           });
    loop.run();
    // The abandoned scan ran to its end on a worker (or is still running):
    // joined here, and its result dropped.
  }
  EXPECT_EQ(called, 0);
}

TEST(DlpScans, AScanWhoseSessionHasGoneLeavesTheQueueAtOnceWithItsBody) {
  // An agent that opens tunnels, sends bodies and closes them must not fill
  // the queue with work for no one.
  bottle::uv::Loop loop;
  {
    DlpScans scans(loop, dlp(), {1, 60s});
    auto running = scans.scan(DlpScans::Part::body, post(dense_body(20000)),
                              [&](DlpScans::Request, std::optional<pipelock::DlpFinding>) {});
    std::vector<std::unique_ptr<DlpScans::Pending>> gone;
    for (int i = 0; i < 5; ++i) {
      gone.push_back(scans.scan(DlpScans::Part::body, post(std::string(1 << 20, 'x')),
                                [&](DlpScans::Request, std::optional<pipelock::DlpFinding>) {}));
    }
    EXPECT_GE(scans.queued(), 5u);
    gone.clear();
    EXPECT_LE(scans.queued(), 1u);  // the first may not have been taken yet
    running.reset();                // stopped at its next window
  }
}

TEST(DlpScans, AScanPastItsBudgetIsARefusalNotAPass) {
  bottle::uv::Loop loop;
  std::string found;
  {
    DlpScans scans(loop, dlp(), {1, 1ms});
    auto pending = scans.scan(DlpScans::Part::body, post(dense_body(40000)),
                              [&](DlpScans::Request, std::optional<pipelock::DlpFinding> f) {
                                found = f ? f->rule_id : "none";
                                loop.stop();
                              });
    loop.run();
  }
  EXPECT_EQ(found, "dlp-scan-timeout");
}

TEST(DlpScans, AForkedChildTakesUpTheScansThatWereOutAndScansAnew) {
  bottle::uv::Loop loop;
  DlpScans scans(loop, dlp(), {1, 60s});
  // Two scans out at the fork: the first running on the one worker (the
  // fork waits for it: a worker inside RE2 at the fork would leave RE2's
  // locks held in the child), the second queued behind it. Its result woke
  // the loop before the fork and the loop has not turned since: the child's
  // copy of that wake-up can never fire, so the child needs a fresh one.
  int answered = 0;
  std::string last;
  auto done = [&](DlpScans::Request, std::optional<pipelock::DlpFinding> f) {
    ++answered;
    last = f ? f->rule_id : "none";
    if (answered == 2) loop.stop();
  };
  auto first = scans.scan(DlpScans::Part::body, post(dense_body(20000)), done);
  auto queued = scans.scan(DlpScans::Part::body, post("t=" + kToken), done);
  scans.before_fork();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(30);  // a child that never hears back fails the test, not hangs it
    uv_loop_fork(loop.get());
    scans.after_fork_in_child();
    loop.run();
    const bool both = answered == 2 && last == "github-pat";
    // And the child's own workers scan what comes after the fork.
    std::string fresh;
    auto after = scans.scan(DlpScans::Part::head, post(""),
                            [&](DlpScans::Request, std::optional<pipelock::DlpFinding> f) {
                              fresh = f ? f->rule_id : "none";
                              loop.stop();
                            });
    loop.run();
    std::_Exit(both && fresh == "none" ? 0 : 1);
  }
  scans.after_fork_in_parent();
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The parent's own scans are unaffected by the fork.
  loop.run();
  EXPECT_EQ(answered, 2);
  EXPECT_EQ(last, "github-pat");
}

TEST(HeldBytes, ASessionMayGrowWithinTheBudgetAndGivesItBackWhenItEnds) {
  pipelock::HeldBytes pool(100);
  {
    pipelock::HeldBytes::Share a(pool);
    pipelock::HeldBytes::Share b(pool);
    EXPECT_TRUE(a.set(60));
    EXPECT_FALSE(b.set(41));
    EXPECT_EQ(pool.held(), 60u);
    EXPECT_TRUE(b.set(40));
    EXPECT_TRUE(a.set(10));  // shrinking always fits
    EXPECT_TRUE(b.set(90));
    EXPECT_EQ(pool.held(), 100u);
  }
  EXPECT_EQ(pool.held(), 0u);
}

}  // namespace
