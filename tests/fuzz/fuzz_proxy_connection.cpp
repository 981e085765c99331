// pipelock's connection logic, not only its parser: a real ProxyServer on a
// libuv loop takes a TCP connection from the fuzzer, which writes the input
// in pieces of its choosing (a head cut anywhere, a CONNECT followed by a
// ClientHello in pieces), the loop running between pieces; then half-closes
// and reads what pipelock answers. Nothing it sends may crash pipelock, and a
// refusal must come back as an HTTP answer. Allowed hosts are names that do
// not resolve, so nothing is ever dialled.
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
  const std::string answer = bottle_fuzz::exchange_over_loop(proxy.loop.get(), proxy.server.port(),
                                                             bottle_fuzz::text_of(data, size));
  if (!answer.empty() && !answer.starts_with("HTTP/1.1 ")) std::abort();
  return 0;
}
