// egress's connection logic: a real EgressServer on its libuv loop takes a
// TCP connection from the fuzzer, which writes the input in pieces of its
// choosing (heads cut anywhere, chunked and Content-Length bodies, several
// requests on one connection), the loop running between pieces; then
// half-closes and reads the answers. The routes' upstream is a closed port
// on loopback, so a request that passes every check is refused by the
// dial, at once. Every answer must be an HTTP one, and the token never in it
// unless the input held it.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "bottle/tls/client_context.hpp"
#include "bottle/uv/loop.hpp"
#include "egress_server.hpp"
#include "egress_settings.hpp"
#include "fuzz_input.hpp"
#include "live_routes.hpp"
#include "loop_client.hpp"
#include "proxy_settings.hpp"
#include "request_log.hpp"
#include "token_store.hpp"

namespace {

constexpr const char* kToken = "ghp_FuzzEgressToken0123456789abcdef";

std::string routes_file() {
  const auto path = std::filesystem::temp_directory_path() /
                    ("fuzz-egress-routes-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << "routes:\n"
                         "  - {host: api.example.com, upstream: 'https://127.0.0.1:1', "
                         "token_env: T}\n"
                         "  - {host: read.example.com, upstream: 'https://127.0.0.1:1', "
                         "token_env: T, methods: [GET, HEAD]}\n";
  return path.string();
}

struct Egress {
  bottle::uv::Loop loop;
  egress::EgressSettings settings = [] {
    egress::EgressSettings s;
    s.listen_host = "127.0.0.1";
    s.listen_port = 0;
    s.header_timeout_seconds = 1;
    return s;
  }();
  egress::TokenStore tokens{{{"T", kToken}}};
  egress::LiveRoutes routes{routes_file(), tokens};
  egress::ProxySettings proxies;
  bottle::tls::ClientContext tls{{}};
  int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  egress::RequestLog log{loop, null_fd};
  egress::EgressServer server{loop, {settings, routes, tokens, tls, proxies, log}};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Egress egress;
  const std::string answer = bottle_fuzz::exchange_over_loop(
      egress.loop.get(), egress.server.port(), bottle_fuzz::text_of(data, size));
  if (!answer.empty() && !answer.starts_with("HTTP/1.1 ")) std::abort();
  // egress quotes what the agent sent in its refusals: the token in the
  // answer is a leak only when the agent did not send it (libFuzzer's
  // comparison tracing finds the token's bytes and puts them in inputs).
  const std::string_view input = bottle_fuzz::text_of(data, size);
  if (answer.find(kToken) != std::string::npos && input.find(kToken) == std::string_view::npos) {
    std::abort();
  }
  return 0;
}
