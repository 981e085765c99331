// An exchange ends when either side gives up: an agent that goes away takes
// its upstream connection with it at once, and an upstream that never answers
// gets the agent a 504 after the response timeout.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "egress_harness.hpp"

using namespace egress_test;
using bottle_test::run;

namespace {

// A raw agent connection that sends one request and can be dropped at will.
class Agent {
 public:
  Agent(int port, const std::string& request) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot connect to egress");
    }
    [[maybe_unused]] ssize_t n = ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ~Agent() { drop(); }
  // Reads until `n` bytes came (or the peer closed, or 10 s passed).
  std::size_t read_some(std::size_t n) {
    std::size_t got = 0;
    char buf[65536];
    while (got < n) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) break;
      const ssize_t r = ::read(fd_, buf, sizeof buf);
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    return got;
  }
  void drop() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// Waits (yielding, never sleeping a fixed time) until `done` holds or 10 s pass.
template <class Pred>
bool eventually(Pred done) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace

TEST(AbandonedExchanges, AgentsLeavingWhileTheUpstreamIsSlowFreeTheirSlotsAndUpstreamsAtOnce) {
  World w;
  const std::size_t fds_before = w.egress->open_fds();
  constexpr int kAgents = 20;
  std::vector<std::unique_ptr<Agent>> agents;
  for (int i = 0; i < kAgents; ++i) {
    agents.push_back(std::make_unique<Agent>(
        w.egress->port(), "GET /svc.test/slow HTTP/1.1\r\nHost: egress\r\n\r\n"));
  }
  ASSERT_TRUE(eventually([&] { return count(w.upstream.received(), "/slow") == kAgents; }));
  agents.clear();
  // Each exchange ends (and is logged) now, not after the 300 s idle timeout...
  for (int i = 0; i < kAgents; ++i) {
    auto line = w.egress->next_request();
    ASSERT_TRUE(line) << "exchange " << i << " was not ended";
    EXPECT_NE(line->find("client closed"), std::string::npos) << *line;
  }
  // ...and takes its upstream connection with it.
  EXPECT_TRUE(eventually([&] {
    return count(w.upstream.received(), "{\"closed\": \"/slow\"}") == kAgents;
  })) << w.upstream.received();
  EXPECT_TRUE(eventually([&] { return w.egress->open_fds() == fds_before; }))
      << w.egress->open_fds() << " fds open, " << fds_before << " before";
}

TEST(AbandonedExchanges, AnAgentLeavingMidDownloadStopsTheDownloadUpstream) {
  World w;
  const std::size_t fds_before = w.egress->open_fds();
  {
    // A download far larger than could finish while the test waits.
    Agent agent(w.egress->port(),
                "GET /svc.test/stream?bytes=1099511627776 HTTP/1.1\r\nHost: egress\r\n\r\n");
    ASSERT_GE(agent.read_some(1 << 20), 1u << 20);
  }
  auto line = w.egress->next_request();
  ASSERT_TRUE(line) << "the exchange did not end when the agent left";
  EXPECT_NE(line->find("client"), std::string::npos) << *line;
  EXPECT_TRUE(eventually([&] {
    return w.upstream.received().find("{\"closed\": \"/stream\"}") != std::string::npos;
  }));
  EXPECT_TRUE(eventually([&] { return w.egress->open_fds() == fds_before; }));
}

TEST(AbandonedExchanges, AnUpstreamThatNeverAnswersGetsTheAgentA504WithTheReason) {
  World w({}, {"--response-timeout", "1"});
  auto [code, body] =
      run({"curl", "-sS", "-w", "\n%{http_code}", w.egress->base() + "svc.test/slow"});
  EXPECT_TRUE(body.ends_with("\n504")) << body;
  EXPECT_NE(body.find("no response within 1s"), std::string::npos) << body;
  auto line = w.egress->next_request();
  ASSERT_TRUE(line);
  EXPECT_EQ(nlohmann::json::parse(*line)["status"], 504) << *line;
  // The upstream's connection is not kept for another request.
  EXPECT_TRUE(eventually(
      [&] { return w.upstream.received().find("{\"closed\": \"/slow\"}") != std::string::npos; }));
}
