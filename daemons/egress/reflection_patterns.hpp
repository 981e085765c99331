#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace egress {

// The forms in which an upstream might send a token back.
enum class TokenForm : std::uint8_t {
  kRaw,          // the bytes themselves
  kBase64,       // standard alphabet, at any of the three alignments
  kBase64Url,    // URL-safe alphabet ('-', '_'), at any alignment
  kHex,          // lower or upper case
  kJsonEscaped,  // '/' as "\/", '"' and '\' escaped (PHP's json_encode, among others)
};

const char* form_name(TokenForm form);

// Every form of one secret, compiled once into the automaton ReflectionMatcher
// runs (Aho-Corasick as a full transition table over byte classes). The
// matcher runs it over the percent-decoded view of a response, so each form
// is also caught percent-encoded, upper or lower hex, in full or in part.
//
// Base64 depends on the bytes around the secret: of the encoding of
// `x + secret + y`, only the characters whose six bits all come from the
// secret are fixed, and they differ with len(x) mod 3. Each alignment gives
// one pattern: the encoding without its first and last character or two.
// Encoded forms shorter than kMinEncoded are left out, since they would match
// by chance; the raw secret is always in.
class ReflectionPatterns {
 public:
  static constexpr std::size_t kMinEncoded = 8;

  explicit ReflectionPatterns(std::string_view secret);
  ReflectionPatterns(const ReflectionPatterns&) = delete;
  ReflectionPatterns& operator=(const ReflectionPatterns&) = delete;

  // The byte a replacement is made of: one that occurs in no pattern, so a
  // replaced span can never become part of a match, and safe in a header, a
  // URL and a JSON string.
  char marker() const { return marker_; }
  // The longest pattern, in decoded bytes (a percent-encoded match spans up to three times that).
  std::size_t longest() const { return longest_; }
  std::size_t pattern_count() const { return pattern_count_; }

  // The automaton, for ReflectionMatcher.
  std::uint32_t next(std::uint32_t state, unsigned char byte) const {
    return next_[state * classes_ + class_of_[byte]];
  }
  // Whether `byte` can move the automaton out of its start state (or start an escape).
  bool may_start(unsigned char byte) const { return may_start_[byte]; }
  // Length of the longest pattern that ends in `state` (0: none), and its form.
  std::uint32_t match_length(std::uint32_t state) const { return match_length_[state]; }
  TokenForm match_form(std::uint32_t state) const { return match_form_[state]; }
  // How many bytes of a pattern the automaton has seen in `state`.
  std::uint32_t depth(std::uint32_t state) const { return depth_[state]; }

 private:
  struct Pattern {
    std::string bytes;
    TokenForm form;
  };
  static std::vector<Pattern> forms_of(std::string_view secret);
  void compile(const std::vector<Pattern>& patterns);

  std::array<std::uint16_t, 256> class_of_{};
  std::array<bool, 256> may_start_{};
  std::size_t classes_ = 1;
  std::vector<std::uint32_t> next_;
  std::vector<std::uint32_t> match_length_;
  std::vector<TokenForm> match_form_;
  std::vector<std::uint32_t> depth_;
  std::size_t longest_ = 0;
  std::size_t pattern_count_ = 0;
  char marker_ = '*';
};

}  // namespace egress
