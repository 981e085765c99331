#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "supervise_harness.hpp"

using namespace supervise_test;
using nlohmann::json;
using namespace std::chrono_literals;

TEST(Robustness, AnOversizeBodyGets413BeforeItIsReadAndTheServerGoesOn) {
  Supervise server(scratch_bottle("supervise-oversize"), {"--max-body", "65536"});
  HttpConnection c(server.port());
  c.send_raw(
      "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Content-Length: 10000000\r\n\r\n{\"jsonrpc\":");
  const auto reply = c.read_reply();
  EXPECT_EQ(reply.status, 413u);
  EXPECT_EQ(message_of(reply)["error"]["code"], -32000);
  McpSession after(server.port());
  EXPECT_EQ(after.call("ping")["result"], json::object());
}

TEST(Robustness, MalformedHttpGets400AndAnIncompleteHeadDoesNotHoldTheServer) {
  Supervise server(scratch_bottle("supervise-malformed"));
  HttpConnection garbage(server.port());
  garbage.send_raw("\x16\x03\x01 not http at all\r\n\r\n");
  EXPECT_EQ(garbage.read_reply().status, 400u);
  HttpConnection slow(server.port());
  slow.send_raw("POST /mcp HTTP/1.1\r\nHost: local");  // and nothing more
  McpSession meanwhile(server.port());
  EXPECT_EQ(meanwhile.call("ping")["result"], json::object());
}

TEST(Robustness, ClientsVanishingMidRequestOrMidStreamCostNothing) {
  Supervise server(scratch_bottle("supervise-vanish"));
  McpSession session(server.port());
  {
    HttpConnection stream(server.port());
    stream.open_event_stream(session.id());
    ASSERT_EQ(stream.read_head().status, 200u);
  }  // closed without a word
  ASSERT_TRUE(server.process().stderr_line_with("event stream of session " + session.id() +
                                                " ended: client closed"));
  {
    HttpConnection half(server.port());
    half.send_raw(
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Mcp-Session-Id: " +
        session.id() + "\r\nContent-Length: 100\r\n\r\n{\"json");
  }
  // The session is intact and a new stream can be opened.
  EXPECT_EQ(session.call("ping")["result"], json::object());
  HttpConnection again(server.port());
  again.open_event_stream(session.id());
  EXPECT_EQ(again.read_head().status, 200u);
  EXPECT_TRUE(server.process().running());
}

TEST(Robustness, ManyConcurrentSessionsEachGetTheirOwnAnswers) {
  const auto files = scratch_bottle("supervise-concurrent");
  // 32 proposals at once: past the default quota, which has its own tests.
  Supervise server(files, {"--max-pending-proposals", "64", "--proposals-per-minute", "64"});
  constexpr int kClients = 32;
  std::vector<std::string> sessions(kClients), proposals(kClients), states(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      McpSession s(server.port());
      sessions[i] = s.id();
      const json made = s.tool("propose_allowlist_change",
                               {{"add", {"host" + std::to_string(i) + ".example.org"}},
                                {"reason", "client " + std::to_string(i)}});
      proposals[i] = made["structuredContent"]["id"].get<std::string>();
      const json state = s.tool("get_proposal", {{"id", proposals[i]}});
      states[i] = state["structuredContent"]["change"][0].get<std::string>();
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(std::set<std::string>(sessions.begin(), sessions.end()).size(), kClients * 1u);
  EXPECT_EQ(std::set<std::string>(proposals.begin(), proposals.end()).size(), kClients * 1u);
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(states[i], "+ allow host" + std::to_string(i) + ".example.org");
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(files.proposals),
                          std::filesystem::directory_iterator()),
            kClients);
}

TEST(Robustness, TheEventStreamKeepsAliveAndEndsCleanlyWhenTheSessionIsDeleted) {
  Supervise server(scratch_bottle("supervise-stream"), {"--keepalive-seconds", "1"});
  McpSession session(server.port());
  HttpConnection stream(server.port());
  stream.open_event_stream(session.id());
  const auto head = stream.read_head();
  ASSERT_EQ(head.status, 200u);
  EXPECT_EQ(head.headers.at("content-type"), "text/event-stream");
  std::string seen;
  for (int i = 0; i < 50 && seen.find(": keepalive") == std::string::npos; ++i) {
    seen += stream.read_some(200ms);
  }
  EXPECT_NE(seen.find(": keepalive"), std::string::npos) << seen;

  const auto deleted = session.connection().request("DELETE", session.headers());
  EXPECT_EQ(deleted.status, 200u);
  std::string tail;
  for (int i = 0; i < 50 && tail.find("0\r\n\r\n") == std::string::npos; ++i) {
    tail += stream.read_some(200ms);
  }
  EXPECT_NE(tail.find("0\r\n\r\n"), std::string::npos) << "the stream's last chunk";
  EXPECT_EQ(session.call("ping")["error"]["code"], -32001) << "the session is gone: 404";
}
