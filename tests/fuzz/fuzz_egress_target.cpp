// egress's reading of what the agent asks for: the request target
// (http://egress:8080/<host>/<path>), its canonical form checks, and the
// route it matches in a fixed table.
#include "agent_target.hpp"
#include "bottle/text/decoding.hpp"
#include "canonical_target.hpp"
#include "fuzz_input.hpp"
#include "route_table.hpp"
#include "token_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const egress::TokenStore tokens({{"T", "token-value-0123456789"}});
  static const egress::RouteTable table = egress::RouteTable::parse(
      "routes:\n"
      "  - {host: api.example.com, upstream: 'https://api.example.com', token_env: T}\n"
      "  - {host: api.example.com, path_prefix: /v2/, upstream: 'https://api.example.com',"
      " token_env: T}\n",
      "routes.yaml", tokens);
  const auto input = bottle_fuzz::text_of(data, size);
  std::string problem;
  if (auto t = egress::parse_agent_target(input, &problem)) {
    (void)egress::loggable_path(*t);
    (void)table.match(t->host, t->path);
  }
  (void)egress::path_problem(input);
  (void)egress::query_problem(input);
  (void)bottle::text::percent_decode(input);
  return 0;
}
