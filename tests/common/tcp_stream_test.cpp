// TcpStream's writes, whichever way they leave: at once (uv_try_write), queued
// behind a full socket (uv_write), gathered between cork() and uncork(), or
// with a callback. The peer must read them in the order they were written.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/tcp.hpp"
#include "bottle/uv/timer.hpp"
#include "uv_run_until.hpp"

namespace {

using bottle::uv::Loop;
using bottle::uv::TcpListener;
using bottle::uv::TcpStream;

using bottle_test::run_until;

TEST(TcpStream, WritesArriveInTheOrderWrittenWhicheverWayTheyLeave) {
  Loop loop;
  std::unique_ptr<TcpStream> server_side;
  const std::string big(8u << 20, 'x');  // more than the socket takes at once
  int callbacks = 0;
  TcpListener listener(loop, "127.0.0.1", 0, 4, [&](std::unique_ptr<TcpStream> s) {
    server_side = std::move(s);
    server_side->cork();
    server_side->write("a");
    server_side->write("b");
    server_side->write("c", [&](int status) { callbacks += status == 0; });  // sends a, b first
    server_side->write("d");
    server_side->write("");
    server_side->uncork();
    server_side->write(big);  // partly at once, the rest queued
    server_side->write("e");  // behind the queue, never ahead of it
    server_side->cork();
    server_side->write("f");
    server_side->uncork();
    server_side->shutdown_write([&](int status) { callbacks += status == 0; });
  });
  TcpStream client(loop);
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", listener.port(), &addr);
  std::string received;
  bool ended = false;
  client.connect(reinterpret_cast<const sockaddr*>(&addr), [&](int status) {
    ASSERT_EQ(status, 0);
    client.read([&](std::string_view bytes) { received.append(bytes); },
                [&](int) { ended = true; });
  });
  ASSERT_TRUE(run_until(loop, [&] { return ended && callbacks == 2; }));
  ASSERT_EQ(received.size(), 4 + big.size() + 2);
  EXPECT_EQ(received.substr(0, 4), "abcd");
  EXPECT_EQ(received.compare(4, big.size(), big), 0);
  EXPECT_EQ(received.substr(4 + big.size()), "ef");
}

}  // namespace
