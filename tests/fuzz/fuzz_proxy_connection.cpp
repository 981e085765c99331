// pipelock's connection logic, not only its parser: a real ProxyServer on a
// libuv loop takes a TCP connection from the fuzzer, which writes the input
// in pieces of its choosing (a head cut anywhere, a CONNECT followed by a
// ClientHello in pieces), the loop running between pieces; then half-closes
// and reads what pipelock answers. Nothing it sends may crash pipelock, a
// refusal must come back as an HTTP answer, and the answer may not depend on
// where the network cut the bytes: the stream in pieces gets the status line
// the same stream in one piece gets, when both are answered (a head whose
// request line arrived in a read of its own was once refused). pipelock runs
// in strict mode and its allowed hosts are names that do not resolve, so
// nothing is ever dialled.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "bottle/uv/loop.hpp"
#include "decision_log.hpp"
#include "fuzz_input.hpp"
#include "loop_client.hpp"
#include "pipelock_config.hpp"
#include "proxy_server.hpp"

namespace {

struct Proxy {
  bottle::uv::Loop loop;
  pipelock::PipelockConfig cfg = [] {
    pipelock::PipelockConfig c;
    // strict, as the bundle renders it: only the allowlist passes, and its
    // names never resolve; in balanced mode an IP literal the fuzzer wrote
    // (a public address, or NAT64 of one) was dialled for real, and the
    // answer hung on the network.
    c.mode = "strict";
    c.api_allowlist = {"allowed.invalid", "*.wild.invalid"};
    c.listen_host = "127.0.0.1";
    c.listen_port = 0;
    c.forward_enabled = true;
    c.header_timeout_seconds = 1;
    return c;
  }();
  int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  pipelock::DecisionLog log{loop, null_fd, true, true, true};
  pipelock::ProxyServer server{loop, cfg, log};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Proxy proxy;
  auto exchange = [](std::string_view input) {
    return bottle_fuzz::exchange_over_loop(proxy.loop.get(), proxy.server.port(), input);
  };
  const std::string_view input = bottle_fuzz::text_of(data, size);
  const std::string answer = exchange(input);
  if (!answer.empty() && !answer.starts_with("HTTP/1.1 ")) std::abort();
  if (size > 1 && data[0] != 0) {
    std::string whole(input);
    whole[0] = '\0';  // the seed of no cut
    auto status_line = [](const std::string& a) { return a.substr(0, a.find("\r\n")); };
    // No answer is not compared: the harness waits about a second, and an
    // allowed name's lookup (it never resolves) can take longer; connections
    // earlier inputs left open can hold the server at its cap. Two answers
    // that differ are checked once more, since a cut that changes the answer
    // changes it every time.
    for (int attempt = 0;; ++attempt) {
      const std::string a = attempt == 0 ? answer : exchange(input);
      const std::string b = exchange(whole);
      if (a.empty() || b.empty() || status_line(a) == status_line(b)) break;
      if (attempt == 1) std::abort();
    }
  }
  return 0;
}
