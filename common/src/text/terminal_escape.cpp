#include "bottle/text/terminal_escape.hpp"

#include "bottle/text/utf8.hpp"

namespace bottle::text {

namespace {
constexpr char kHex[] = "0123456789abcdef";

void escape_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

void escape_code_point(std::string& out, char32_t cp) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xf];
}

bool ascii_needs_escape(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

// Code points that drive or mislead a terminal although they are valid text.
bool code_point_needs_escape(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) ||      // C1 controls: 8-bit CSI, OSC, ...
         cp == 0x061c ||                    // Arabic letter mark
         cp == 0x200e || cp == 0x200f ||    // left-to-right / right-to-left marks
         (cp >= 0x202a && cp <= 0x202e) ||  // embeddings and overrides
         (cp >= 0x2066 && cp <= 0x2069) ||  // isolates
         cp == 0x2028 || cp == 0x2029 ||    // line and paragraph separators
         // Invisible: zero-width space, non-joiner and joiner, word joiner and
         // invisible operators, the byte-order mark, the soft hyphen, the
         // Mongolian vowel separator. Shown raw, they hide text between what
         // the operator reads ("exam<ZWSP>ple.com") and take no column.
         (cp >= 0x200b && cp <= 0x200d) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xfeff ||
         cp == 0x00ad || cp == 0x180e;
}
}  // namespace

std::string escape_for_terminal(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  append_escaped_for_terminal(out, raw);
  return out;
}

void append_escaped_for_terminal(std::string& out, std::string_view raw) {
  for (std::size_t i = 0; i < raw.size();) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c < 0x80) {
      // Runs of plain printable ASCII, the common case, are copied whole.
      std::size_t end = i;
      while (end < raw.size() && static_cast<unsigned char>(raw[end]) < 0x80 &&
             !ascii_needs_escape(static_cast<unsigned char>(raw[end])))
        ++end;
      if (end > i) {
        out.append(raw.substr(i, end - i));
        i = end;
        continue;
      }
      escape_byte(out, c);
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(raw, i);
    if (len == 0) {
      escape_byte(out, c);
      ++i;
      continue;
    }
    const char32_t cp = utf8_decode(raw, i, len);
    if (code_point_needs_escape(cp))
      escape_code_point(out, cp);
    else
      out.append(raw.substr(i, len));
    i += len;
  }
}

bool is_terminal_safe(std::string_view raw) {
  for (std::size_t i = 0; i < raw.size();) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c < 0x80) {
      if (ascii_needs_escape(c)) return false;
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence_length(raw, i);
    if (len == 0 || code_point_needs_escape(utf8_decode(raw, i, len))) return false;
    i += len;
  }
  return true;
}

std::string shown_input(std::string_view raw, std::size_t max_bytes) {
  if (raw.size() <= max_bytes) return escape_for_terminal(raw);
  return "<" + std::to_string(raw.size()) + " characters>";
}

}  // namespace bottle::text
