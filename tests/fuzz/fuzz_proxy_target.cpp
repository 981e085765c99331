// pipelock's request targets (CONNECT authority, absolute URI) and its IP
// literal and CIDR classification: the input is tried as each.
#include "fuzz_input.hpp"
#include "ip_address.hpp"
#include "proxy_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = bottle_fuzz::text_of(data, size);
  std::string problem;
  if (auto t = pipelock::parse_connect_target(input, &problem)) {
    if (t->ip_literal) (void)pipelock::IpAddress::parse(t->host);
  }
  if (auto t = pipelock::parse_absolute_uri(input, &problem)) {
    if (t->ip_literal) (void)pipelock::IpAddress::parse(t->host);
  }
  if (auto ip = pipelock::IpAddress::parse(input)) {
    (void)ip->unmapped();
    (void)ip->embedded_ipv4();
    (void)ip->to_string();
  }
  if (auto cidr = pipelock::Cidr::parse(input, &problem)) (void)cidr->to_string();
  return 0;
}
