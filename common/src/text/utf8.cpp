#include "bottle/text/utf8.hpp"

namespace bottle::text {

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  if (i >= s.size()) return 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t len;
  char32_t min_cp;
  char32_t cp;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1f;
    min_cp = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0f;
    min_cp = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07;
    min_cp = 0x10000;
  } else {
    return 0;
  }
  if (len > s.size() - i) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  if (cp < min_cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

char32_t utf8_decode(std::string_view s, std::size_t i, std::size_t length) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (length <= 1) return c;
  char32_t cp = c & (0x7f >> length);
  for (std::size_t k = 1; k < length; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return cp;
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::size_t utf8_cut_at_or_before(std::string_view s, std::size_t pos) {
  if (pos >= s.size()) return s.size();
  // Only a continuation byte at pos can be inside a character; its lead is at
  // most three bytes back.
  std::size_t lead = pos;
  while (lead > 0 && pos - lead < 3 && (static_cast<unsigned char>(s[lead]) & 0xc0) == 0x80) --lead;
  if (lead == pos) return pos;
  const std::size_t len = utf8_sequence_length(s, lead);
  return len > 0 && lead + len > pos ? lead : pos;
}

std::string_view truncate_utf8(std::string_view s, std::size_t max_bytes) {
  return s.substr(0, utf8_cut_at_or_before(s, max_bytes));
}

std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

}  // namespace bottle::text
