// Connection slots: idle sockets and open event streams cannot lock a new
// client out, and a stream whose session is no longer used ends by itself.
#include <gtest/gtest.h>

#include "supervise_harness.hpp"

using namespace supervise_test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Reads a stream until its last chunk or until the server closes it.
bool stream_ends(HttpConnection& stream) {
  std::string seen;
  for (int i = 0; i < 200; ++i) {
    seen += stream.read_some(100ms);
    if (seen.find("0\r\n\r\n") != std::string::npos || stream.closed_by_server()) return true;
  }
  return false;
}

}  // namespace

TEST(ConnectionSlots, IdleSocketsFillingEverySlotDoNotLockANewClientOut) {
  Supervise server(scratch_bottle("supervise-idle-slots"), {"--max-connections", "16"});
  std::vector<std::unique_ptr<HttpConnection>> idle;
  for (int i = 0; i < 16; ++i) idle.push_back(std::make_unique<HttpConnection>(server.port()));
  // The kernel queues connections in order, so the server takes all 16 before the newcomer.
  McpSession newcomer(server.port());
  EXPECT_EQ(newcomer.call("ping")["result"], json::object());
  // The slot came from the connection idle the longest.
  EXPECT_TRUE(idle.front()->closed_by_server() || stream_ends(*idle.front()));
}

TEST(ConnectionSlots, ASessionGetsAtMostTwoEventStreams) {
  Supervise server(scratch_bottle("supervise-stream-cap"));
  McpSession session(server.port());
  HttpConnection first(server.port()), second(server.port()), third(server.port());
  first.open_event_stream(session.id());
  ASSERT_EQ(first.read_head().status, 200u);
  second.open_event_stream(session.id());
  ASSERT_EQ(second.read_head().status, 200u);
  third.open_event_stream(session.id());
  const auto refused = third.read_reply();
  EXPECT_EQ(refused.status, 429u);
  EXPECT_NE(refused.body.find("at most 2"), std::string::npos) << refused.body;
  // Closing one frees its place.
  first.close();
  ASSERT_TRUE(
      server.process().stderr_line_with("event stream of session " + session.id() + " ended"));
  HttpConnection again(server.port());
  again.open_event_stream(session.id());
  EXPECT_EQ(again.read_head().status, 200u);
}

TEST(ConnectionSlots, StreamsFillingTheirShareLeaveRoomForNewSessions) {
  Supervise server(scratch_bottle("supervise-stream-share"), {"--max-connections", "16"});
  // Streams may hold half the slots: 8, from four sessions with two each.
  std::vector<std::unique_ptr<McpSession>> sessions;
  std::vector<std::unique_ptr<HttpConnection>> streams;
  for (int s = 0; s < 5; ++s) sessions.push_back(std::make_unique<McpSession>(server.port()));
  for (int s = 0; s < 4; ++s) {
    for (int k = 0; k < 2; ++k) {
      streams.push_back(std::make_unique<HttpConnection>(server.port()));
      streams.back()->open_event_stream(sessions[s]->id());
      ASSERT_EQ(streams.back()->read_head().status, 200u) << s << "/" << k;
    }
  }
  HttpConnection ninth(server.port());
  ninth.open_event_stream(sessions[4]->id());
  const auto refused = ninth.read_reply();
  EXPECT_EQ(refused.status, 503u);
  EXPECT_NE(refused.body.find("event streams"), std::string::npos) << refused.body;
  // New sessions still get in, and every session still answers.
  for (int i = 0; i < 6; ++i) {
    McpSession fresh(server.port());
    EXPECT_EQ(fresh.call("ping")["result"], json::object());
  }
  for (auto& s : sessions) EXPECT_EQ(s->call("ping")["result"], json::object());
}

TEST(ConnectionSlots, AStreamOfASessionNoLongerUsedEndsByItself) {
  Supervise server(scratch_bottle("supervise-stream-idle"),
                   {"--stream-idle-seconds", "1", "--keepalive-seconds", "1"});
  McpSession session(server.port());
  HttpConnection stream(server.port());
  stream.open_event_stream(session.id());
  ASSERT_EQ(stream.read_head().status, 200u);
  EXPECT_TRUE(stream_ends(stream));
  EXPECT_TRUE(server.process().stderr_line_with("session unused for 1 s"));
  // The session itself is still there: the client opens a new stream when it needs one.
  EXPECT_EQ(session.call("ping")["result"], json::object());
}
