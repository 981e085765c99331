// git-gate's scanner with the shipped rules over arbitrary blob bytes (text,
// UTF-16, binary with printable runs), streamed in pieces of the fuzzer's
// choosing as a large blob is: the findings must be those of the same bytes
// streamed whole.
#include <cstdlib>

#include "bottle/secrets/gitleaks_config.hpp"
#include "bottle/secrets/scanner.hpp"
#include "bottle/secrets/stream_scanner.hpp"
#include "fuzz_input.hpp"

namespace {

std::vector<std::pair<std::string, std::uint64_t>> found(
    const bottle::secrets::Scanner& scanner, const std::vector<std::string_view>& parts) {
  bottle::secrets::StreamScanner stream(scanner, {"fuzz", "src/settings.py", ""});
  for (auto p : parts) stream.feed(p);
  stream.finish();
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& f : stream.findings()) out.emplace_back(f.rule_id, f.offset);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bottle::secrets::Scanner scanner(
      bottle::secrets::load_gitleaks_config(SHIPPED_RULES));
  const auto pieces = bottle_fuzz::pieces_of(bottle_fuzz::text_of(data, size));
  std::string whole;
  for (auto p : pieces) whole += p;
  if (found(scanner, pieces) != found(scanner, {whole})) std::abort();
  (void)scanner.scan(whole, {"fuzz", "a.txt", ""});
  return 0;
}
