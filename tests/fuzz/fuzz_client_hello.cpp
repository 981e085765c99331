// The TLS ClientHello reader of pipelock's tunnels, fed the way the network
// delivers it: in pieces of the fuzzer's choosing. Whatever the cut, the
// verdict and the name must be those of the whole record read at once.
#include <cstdlib>

#include "client_hello.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = bottle_fuzz::text_of(data, size);
  pipelock::ClientHelloReader pieces;
  std::string fed;
  for (auto piece : bottle_fuzz::pieces_of(input)) {
    fed += piece;
    if (pieces.feed(piece) != pipelock::ClientHelloReader::State::need_more) break;
  }
  pipelock::ClientHelloReader whole;
  whole.feed(fed);
  if (pieces.state() != whole.state() || pieces.server_name() != whole.server_name()) std::abort();
  return 0;
}
