// SIGHUP reloads routes.yaml in place: new routes serve at once, a bad file
// changes nothing, and requests in flight finish on the routes they began with.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "egress_harness.hpp"

using namespace egress_test;
using bottle_test::run;

namespace {

std::string status_of(const std::string& url) {
  return run({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", url}).second;
}

}  // namespace

TEST(Reload, ANewRouteServesWithoutARestart) {
  World w;
  const pid_t pid = w.egress->process().pid();
  EXPECT_EQ(status_of(w.egress->base() + "new.test/echo"), "403");
  w.egress->replace_routes(w.routes_yaml() + w.route("new.test"));
  auto line = w.egress->process().stderr_line_with("SIGHUP");
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("reloaded"), std::string::npos) << *line;
  EXPECT_NE(line->find("3 routes in force"), std::string::npos) << *line;
  EXPECT_EQ(status_of(w.egress->base() + "new.test/echo"), "200");
  EXPECT_TRUE(w.egress->process().running());
  EXPECT_EQ(w.egress->process().pid(), pid);
}

TEST(Reload, ABrokenFileKeepsTheOldRoutesAndSaysWhy) {
  World w;
  w.egress->replace_routes("routes:\n  - {host: svc.test, upstream: \"https://x\"\n");
  auto line = w.egress->process().stderr_line_with("SIGHUP");
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("reload refused, keeping the 2 routes in force"), std::string::npos)
      << *line;
  EXPECT_NE(line->find("routes.yaml:"), std::string::npos) << *line;  // file and line
  EXPECT_EQ(status_of(w.egress->base() + "svc.test/echo"), "200");
  EXPECT_TRUE(w.egress->process().running());
}

TEST(Reload, AFileWithOneInvalidRouteIsRefusedWhole) {
  World w;
  // The first route is good; the second names a token egress was not given.
  w.egress->replace_routes("routes:\n" + w.route("new.test") +
                           "  - {host: b.test, upstream: \"https://b.test\", token_env: NOPE}\n");
  auto line = w.egress->process().stderr_line_with("SIGHUP");
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("reload refused"), std::string::npos) << *line;
  EXPECT_NE(line->find("routes.yaml:3: route 2: key 'token_env'"), std::string::npos) << *line;
  EXPECT_NE(line->find("BOTTLE_TOKEN_NOPE is not set"), std::string::npos) << *line;
  EXPECT_EQ(status_of(w.egress->base() + "new.test/echo"), "403");
  EXPECT_EQ(status_of(w.egress->base() + "svc.test/echo"), "200");
}

TEST(Reload, ARequestInFlightFinishesOnItsRouteAfterTheRouteIsRemoved) {
  World w;
  const std::size_t total = 64 << 20;
  // curl reads slowly, so the download is still running when the reload comes.
  std::pair<int, std::string> download;
  std::thread downloader([&] {
    download = run({"curl", "-sS", "--limit-rate", "16M", "-o", "/dev/null", "-w",
                    "%{http_code} %{size_download}",
                    w.egress->base() + "svc.test/stream?bytes=" + std::to_string(total)});
  });
  // The upstream has the request once its head went through egress.
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (w.upstream.received().find("/stream") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::yield();
  }
  w.egress->replace_routes("routes:\n" + w.route("other.test"));
  ASSERT_TRUE(w.egress->process().stderr_line_with("reloaded"));
  EXPECT_EQ(status_of(w.egress->base() + "svc.test/echo"), "403");
  downloader.join();
  EXPECT_EQ(download.second, "200 " + std::to_string(total));
}

TEST(Reload, EgressRefusesToStartWithABadFileAndSaysWhere) {
  const auto dir = bottle_test::scratch_dir("egress-bad");
  std::ofstream(dir / "routes.yaml") << "routes:\n  - {host: a.test, upstream: \"http://a.test\", "
                                        "token_env: T}\n";
  auto [code, out] = run({egress_bin(), "--routes", (dir / "routes.yaml").string(), "--check"},
                         {{"BOTTLE_TOKEN_T", "x"}});
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("routes.yaml:2: route 1: key 'upstream': 'http://a.test' must start with "
                     "https://"),
            std::string::npos)
      << out;
  std::filesystem::remove_all(dir);
}
