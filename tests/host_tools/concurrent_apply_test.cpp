#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "bottle/config/config_error.hpp"
#include "bottle_cli_harness.hpp"
#include "pipelock_document.hpp"
#include "routes_document.hpp"

// Many operators (or scripts, or approved proposals) change one bottle at
// once: every change must land, and the daemons must never read a torn file.
TEST(ConcurrentApply, EveryChangeLandsAndNoReaderSeesAPartialFile) {
  BottleCli cli;
  cli.start_demo();
  const auto pipelock_yaml = cli.bottle_dir() / "pipelock/pipelock.yaml";
  const auto routes_yaml = cli.bottle_dir() / "egress/routes.yaml";

  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::atomic<int> torn{0};
  std::string torn_example;
  std::thread reader([&] {
    while (!done) {
      try {
        host_tools::PipelockDocument::parse(read_text(pipelock_yaml), "p");
        host_tools::RoutesDocument::parse(read_text(routes_yaml), "r");
        ++reads;
      } catch (const std::exception& e) {
        if (torn++ == 0) torn_example = e.what();
      }
    }
  });

  constexpr int kHosts = 12;
  constexpr int kRoutes = 4;
  std::vector<std::future<bottle::CommandResult>> runs;
  for (int i = 0; i < kHosts; ++i) {
    runs.push_back(std::async(std::launch::async, [&cli, i] {
      return cli.run({"pipelock", "add", "demo", "host" + std::to_string(i) + ".example.com"});
    }));
  }
  for (int i = 0; i < kRoutes; ++i) {
    runs.push_back(std::async(std::launch::async, [&cli, i] {
      return cli.run({"routes", "add", "demo", "--host", "r" + std::to_string(i) + ".example.com",
                      "--upstream", "https://r.example.com", "--token-env", "GITHUB_TOKEN"});
    }));
  }
  for (auto& run : runs) {
    auto r = run.get();
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  done = true;
  reader.join();

  EXPECT_EQ(torn, 0) << torn_example;
  EXPECT_GT(reads, 0);
  const auto allowlist =
      host_tools::PipelockDocument::parse(read_text(pipelock_yaml), "p").allowlist();
  EXPECT_EQ(allowlist.size(), 2u + kHosts);
  for (int i = 0; i < kHosts; ++i) {
    const std::string host = "host" + std::to_string(i) + ".example.com";
    EXPECT_NE(std::find(allowlist.begin(), allowlist.end(), host), allowlist.end()) << host;
  }
  EXPECT_EQ(host_tools::RoutesDocument::parse(read_text(routes_yaml), "r").routes().size(),
            1u + kRoutes);
  int usr1 = 0;
  int hup = 0;
  for (const auto& call : cli.docker_calls()) {
    usr1 += call == "docker kill --signal USR1 claude-bottle-sidecars-demo";
    hup += call == "docker kill --signal HUP claude-bottle-sidecars-demo";
  }
  EXPECT_EQ(usr1, kHosts);
  EXPECT_EQ(hup, kRoutes);
}
