// Bodies stream through egress: large, chunked, both ways, in bounded memory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "egress_harness.hpp"

using namespace egress_test;
using bottle_test::run;

namespace {

// The peak resident memory of a process, in KiB (VmHWM).
long peak_rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

TEST(Streaming, ALargeChunkedDownloadPassesInBoundedMemory) {
  // Under AddressSanitizer freed buffers sit in a quarantine (256 MiB by
  // default) that would count as held; a small one keeps the figure honest.
  const char* asan = std::getenv("ASAN_OPTIONS");
  World w({"ASAN_OPTIONS=" + std::string(asan ? asan : "") + ":quarantine_size_mb=8"});
  const long before = peak_rss_kib(w.egress->process().pid());
  const std::size_t total = 256 << 20;
  auto [code, out] = run({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                          w.egress->base() + "svc.test/stream?bytes=" + std::to_string(total)});
  EXPECT_EQ(out, "200 " + std::to_string(total));
  const long after = peak_rss_kib(w.egress->process().pid());
  // A body held whole would add 256 MiB; streaming adds buffers only.
  EXPECT_LT(after - before, 64 * 1024)
      << "peak RSS grew from " << before << " to " << after << " KiB";
}

TEST(Streaming, AChunkedUploadArrivesWhole) {
  World w;
  const auto dir = bottle_test::scratch_dir("egress-upload");
  {
    std::ofstream f(dir / "blob", std::ios::binary);
    std::string block(1 << 20, 'u');
    for (int i = 0; i < 24; ++i) f << block;
  }
  auto [code, out] = run({"curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary",
                          "@" + (dir / "blob").string(), w.egress->base() + "svc.test/upload"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["received"], 24 << 20);
  std::filesystem::remove_all(dir);
}

TEST(Streaming, KeptAliveConnectionsServeRequestAfterRequestOnOneUpstreamConnection) {
  World w;
  const std::string url = w.egress->base() + "svc.test/echo";
  auto [code, out] = run({"curl", "-sS", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
                          "-w", "%{http_code} %{num_connects}\n", url, url, url});
  // Three answers over one agent connection: the 2nd and 3rd needed no new connect.
  EXPECT_EQ(out, "200 1\n200 0\n200 0\n");
  // And egress sent all three on one upstream connection (one CONNECT, one handshake).
  std::set<std::string> peers;
  std::istringstream lines(w.upstream.received());
  int requests = 0;
  for (std::string line; std::getline(lines, line); ++requests) {
    peers.insert(nlohmann::json::parse(line)["peer"].get<std::string>());
  }
  EXPECT_EQ(requests, 3);
  EXPECT_EQ(peers.size(), 1u);
}

TEST(Streaming, AnUpstreamClosingAKeptConnectionCostsTheAgentNothing) {
  World w;
  const std::string base = w.egress->base() + "svc.test/";
  for (int i = 0; i < 5; ++i) {
    // Whether egress sees the close before the next request or only when it
    // fails, the agent gets its answer.
    auto [code, out] = run({"curl", "-sS", "-o", "/dev/null", "-o", "/dev/null", "-w",
                            "%{http_code} ", base + "drop", base + "echo"});
    EXPECT_EQ(out, "200 200 ") << "round " << i;
  }
}

TEST(Streaming, HeadRequestsGetHeadersWithoutABody) {
  World w;
  const std::string reply = bottle_test::exchange(w.egress->port(),
                                                  "HEAD /svc.test/echo HTTP/1.1\r\nHost: egress\r\n"
                                                  "Connection: close\r\n\r\n");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 200")) << reply;
  EXPECT_TRUE(reply.ends_with("\r\n\r\n")) << reply;
  EXPECT_NE(reply.find("Content-Length: "), std::string::npos) << reply;
}
