// The accept side all three TCP daemons share (pipelock, egress, supervise):
// the cap answers a newcomer and keeps the others, make_room can free a slot,
// stop_accepting frees the port and keeps open connections, and when_idle
// waits for the last one. Real loopback sockets, one loop.
#include "bottle/uv/tcp_server.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/tcp.hpp"
#include "bottle/uv/timer.hpp"
#include "uv_run_until.hpp"

namespace {

using bottle::uv::Loop;
using bottle::uv::TcpServer;
using bottle::uv::TcpStream;

// A connection that greets its client and ends when the client does.
struct Greeter {
  using Server = TcpServer<Greeter>;
  Greeter(Server*& server, std::uint64_t id, std::unique_ptr<TcpStream> stream)
      : server(server), id(id), stream(std::move(stream)) {}
  void start() {
    stream->write("hello\n");
    stream->read([](std::string_view) {}, [this](int) { abort("client closed"); });
  }
  void reject(const std::string& why) {
    stream->write("refused: " + why + "\n", [this](int) { server->release(id); });
  }
  void abort(const std::string&) { server->release(id); }

  Server*& server;
  std::uint64_t id;
  std::unique_ptr<TcpStream> stream;
};

// A client on the same loop: what it read, and how it ended.
struct Client {
  Client(Loop& loop, int port) : stream(loop) {
    sockaddr_in addr{};
    uv_ip4_addr("127.0.0.1", port, &addr);
    stream.connect(reinterpret_cast<const sockaddr*>(&addr), [this](int status) {
      connect_status = status;
      if (status != 0) return;
      stream.read([this](std::string_view bytes) { received.append(bytes); },
                  [this](int) { ended = true; });
    });
  }
  TcpStream stream;
  std::string received;
  int connect_status = 1;  // 1 until the connect attempt is answered
  bool ended = false;
};

using bottle_test::run_until;

struct Fixture {
  explicit Fixture(std::size_t cap, std::function<void()> make_room = nullptr)
      : server(loop, {"127.0.0.1", 0, std::nullopt}, {16, cap, std::move(make_room)},
               [this](std::uint64_t id, std::unique_ptr<TcpStream> s) {
                 return std::make_unique<Greeter>(self, id, std::move(s));
               }) {
    self = &server;
  }
  Loop loop;
  Greeter::Server* self = nullptr;
  Greeter::Server server;
};

TEST(TcpServer, PastTheCapANewcomerIsAnsweredAndTheOthersKeepTheirSlots) {
  Fixture f(1);
  Client first(f.loop, f.server.port());
  ASSERT_TRUE(run_until(f.loop, [&] { return first.received == "hello\n"; }));
  Client second(f.loop, f.server.port());
  ASSERT_TRUE(run_until(f.loop, [&] { return second.ended; }));
  EXPECT_EQ(second.received, "refused: too many connections (cap 1)\n");
  EXPECT_FALSE(first.ended);
  EXPECT_EQ(f.server.size(), 1u);
}

TEST(TcpServer, AtTheCapMakeRoomCanFreeASlotForTheNewcomer) {
  int asked = 0;
  Fixture* fixture = nullptr;
  Fixture f(1, [&] {
    ++asked;
    fixture->server.connections().abort_if([](const Greeter&) { return true; }, "evicted");
  });
  fixture = &f;
  Client first(f.loop, f.server.port());
  ASSERT_TRUE(run_until(f.loop, [&] { return first.received == "hello\n"; }));
  EXPECT_EQ(asked, 0) << "make_room is for a full server only";
  Client second(f.loop, f.server.port());
  ASSERT_TRUE(run_until(f.loop, [&] { return second.received == "hello\n" && first.ended; }));
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(f.server.size(), 1u);
}

TEST(TcpServer, StopAcceptingFreesThePortAndKeepsOpenConnections) {
  Fixture f(8);
  const int port = f.server.port();
  Client open(f.loop, port);
  ASSERT_TRUE(run_until(f.loop, [&] { return open.received == "hello\n"; }));
  EXPECT_EQ(f.server.stop_accepting(), 1u);
  EXPECT_EQ(f.server.port(), 0);

  Client late(f.loop, port);
  ASSERT_TRUE(run_until(f.loop, [&] { return late.connect_status != 1; }));
  EXPECT_EQ(late.connect_status, UV_ECONNREFUSED);

  // The open connection still works, and the wait for idle ends with it.
  bool idle = false;
  f.server.when_idle([&] { idle = true; });
  open.stream.write("still here\n");
  open.stream.shutdown_write();
  ASSERT_TRUE(run_until(f.loop, [&] { return idle; }));
  EXPECT_EQ(f.server.size(), 0u);
}

TEST(TcpServer, StopEndsEveryConnection) {
  Fixture f(8);
  Client a(f.loop, f.server.port()), b(f.loop, f.server.port());
  ASSERT_TRUE(
      run_until(f.loop, [&] { return a.received == "hello\n" && b.received == "hello\n"; }));
  f.server.stop("stopping");
  EXPECT_EQ(f.server.size(), 0u);
  ASSERT_TRUE(run_until(f.loop, [&] { return a.ended && b.ended; }));
}

}  // namespace
