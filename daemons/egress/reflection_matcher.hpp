#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reflection_patterns.hpp"

namespace egress {

// Finds a token's forms in a stream of bytes and replaces each with as many
// marker bytes, so the stream keeps its length (a Content-Length, a chunk
// size and the bytes around stay true). Streaming: feed() appends to `out`
// every byte that can no longer be part of a match, and holds back only a
// tail that could still start one, never more than the longest form
// percent-encoded (three times the longest pattern); finish() releases it.
//
// It reads the stream percent-decoded ("%41" as 'A', in either case of hex;
// a '%' not followed by two hex digits as itself), so a form is found
// however much of it is percent-encoded, and a replacement covers the whole
// encoded span. A marker byte occurs in no pattern, so once a span is
// replaced the matcher starts afresh after it and nothing it replaced can
// complete a later match.
//
// Pure: no I/O, no allocation beyond the held tail and `out`. The unit of a
// fuzz target: any input, split anywhere, gives the same output as when fed
// whole, of the same length, with no pattern left in it.
class ReflectionMatcher {
 public:
  struct Replacement {
    std::uint64_t offset = 0;  // in the whole stream
    std::uint64_t length = 0;
    TokenForm form = TokenForm::kRaw;
    bool percent_encoded = false;  // the span was (partly) percent-encoded
  };
  // How many replacements are kept for the caller to report (all are counted).
  static constexpr std::size_t kMaxRecorded = 32;

  explicit ReflectionMatcher(const ReflectionPatterns& patterns);

  void feed(std::string_view in, std::string& out);
  void feed(std::span<const std::uint8_t> in, std::string& out) {
    feed(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()), out);
  }
  // The stream ended: appends the held tail.
  void finish(std::string& out);

  // Bytes fed and not yet appended to any `out`.
  std::size_t held() const { return held_.size(); }
  std::uint64_t replaced() const { return replaced_; }
  const std::vector<Replacement>& replacements() const { return replacements_; }

 private:
  enum class Escape : std::uint8_t { kNone, kPercent, kPercentHex };

  void step_source(unsigned char c, std::uint64_t at, std::string& out);
  void step_decoded(unsigned char c, std::uint64_t start, std::uint64_t end, std::string& out);
  void emit_until(std::uint64_t to, std::string& out);

  const ReflectionPatterns& patterns_;
  std::uint32_t state_ = 0;
  Escape escape_ = Escape::kNone;
  unsigned char escape_high_ = 0;  // the first hex digit after '%', as sent
  std::uint64_t escape_start_ = 0;
  // Where each of the last decoded bytes began in the stream (a ring).
  std::vector<std::uint64_t> starts_;
  std::uint64_t mask_ = 0;
  std::uint64_t decoded_ = 0;
  // The stream: bytes before emitted_ went out; held_ holds
  // [held_start_, feed_base_), in_ the bytes being fed from feed_base_ on.
  std::uint64_t emitted_ = 0;
  std::uint64_t held_start_ = 0;
  std::uint64_t feed_base_ = 0;
  std::string held_;
  std::string_view in_;
  std::uint64_t replaced_ = 0;
  std::vector<Replacement> replacements_;
};

}  // namespace egress
