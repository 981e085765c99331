#include "bottle/text/decoding.hpp"

#include <array>
#include <cstdint>

#include "bottle/text/ascii.hpp"
#include "bottle/text/utf8.hpp"

namespace bottle::text {

namespace {

// The value of a base64 character in `alphabet` (0: standard, 1: URL-safe),
// -1 when it has none there.
int base64_value(char c, int alphabet) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (alphabet == 0) return c == '+' ? 62 : c == '/' ? 63 : -1;
  return c == '-' ? 62 : c == '_' ? 63 : -1;
}

}  // namespace

std::string percent_decode(std::string_view in, bool form_encoding) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      const int hi = hex_digit_value(in[i + 1]);
      const int lo = hex_digit_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(form_encoding && c == '+' ? ' ' : c);
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.empty() || in.size() % 4 == 1) return std::nullopt;
  int alphabet = -1;
  for (char c : in) {
    if (c == '+' || c == '/') {
      if (alphabet == 1) return std::nullopt;
      alphabet = 0;
    } else if (c == '-' || c == '_') {
      if (alphabet == 0) return std::nullopt;
      alphabet = 1;
    }
  }
  if (alphabet < 0) alphabet = 0;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t bits = 0;
  int held = 0;
  for (char c : in) {
    const int v = base64_value(c, alphabet);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out.push_back(static_cast<char>((bits >> held) & 0xff));
    }
  }
  // What is left must be the zero bits that pad the last byte.
  if ((bits & ((1u << held) - 1)) != 0) return std::nullopt;
  return out;
}

std::optional<std::string> hex_decode(std::string_view in) {
  if (in.empty() || in.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 2);
  for (std::size_t i = 0; i < in.size(); i += 2) {
    const int hi = hex_digit_value(in[i]);
    const int lo = hex_digit_value(in[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

bool looks_like_text(std::string_view bytes) {
  if (bytes.empty() || !is_valid_utf8(bytes)) return false;
  std::size_t controls = 0;
  for (unsigned char c : bytes) {
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) ++controls;
  }
  return controls * 16 <= bytes.size();
}

}  // namespace bottle::text
