// egress's reflection guard: a response body that may echo the operator's
// token (raw, base64, hex, JSON-escaped, percent-encoded) is fed in pieces
// of the fuzzer's choosing. The output must be the input's length, the same
// however it was cut, and hold no raw copy of the token.
#include <cstdlib>

#include "fuzz_input.hpp"
#include "reflection_matcher.hpp"
#include "reflection_patterns.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string secret = "ghp_Fuzz0123456789abcdefTOKEN";
  static const egress::ReflectionPatterns patterns(secret);
  const auto input = bottle_fuzz::text_of(data, size);
  const auto pieces = bottle_fuzz::pieces_of(input);
  std::string whole_in;
  for (auto p : pieces) whole_in += p;

  egress::ReflectionMatcher cut(patterns);
  std::string cut_out;
  for (auto p : pieces) cut.feed(p, cut_out);
  cut.finish(cut_out);

  egress::ReflectionMatcher once(patterns);
  std::string once_out;
  once.feed(whole_in, once_out);
  once.finish(once_out);

  if (cut_out.size() != whole_in.size() || cut_out != once_out) std::abort();
  if (cut_out.find(secret) != std::string::npos) std::abort();
  return 0;
}
