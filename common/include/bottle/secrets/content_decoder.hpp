#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bottle::secrets {

// Turns a file's bytes, in pieces, into the text the rules run over, deciding
// from its first bytes what it is (as git decides "binary" from the first
// 8000): UTF-8 or other 8-bit text passes as it is; UTF-16 and UTF-32 (with a
// byte order mark, or without one when every other code unit's high bytes are
// zero) become UTF-8; anything else with a NUL byte is binary, and becomes its
// printable runs (as `strings` shows them: at least kMinRun bytes that are
// printable ASCII, tab or above 0x7f), one per line.
class ContentDecoder {
 public:
  enum class Kind { undecided, text, utf16le, utf16be, utf32le, utf32be, binary };
  static constexpr std::size_t kSniffBytes = 8000;
  static constexpr std::size_t kMinRun = 8;

  // Appends the text of `bytes` to `out`.
  void feed(std::string_view bytes, std::string& out);
  // The end of the content: flushes what was held back.
  void finish(std::string& out);
  Kind kind() const { return kind_; }
  static const char* name(Kind kind);

 private:
  void decide(std::string_view sample);
  void decode(std::string_view bytes, std::string& out);

  Kind kind_ = Kind::undecided;
  std::string sniffed_;  // the first bytes, held until the kind is known
  std::string unit_;     // an incomplete code unit carried to the next piece
  char16_t high_surrogate_ = 0;
  std::string run_;  // binary: the printable run so far
  bool first_piece_ = true;
};

}  // namespace bottle::secrets
