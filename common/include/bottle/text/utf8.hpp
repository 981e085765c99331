#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bottle::text {

// Length of the well-formed UTF-8 sequence that starts at s[i] (1 for ASCII),
// or 0 when the bytes there are not one: overlong forms, surrogates, code
// points past U+10FFFF and truncated sequences are all "not one".
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// The code point of the well-formed sequence of `length` bytes at s[i].
char32_t utf8_decode(std::string_view s, std::size_t i, std::size_t length);

bool is_valid_utf8(std::string_view s);

// The largest cut <= pos that does not fall inside a well-formed multi-byte
// character of s (malformed bytes may be cut anywhere: each is escaped alone).
std::size_t utf8_cut_at_or_before(std::string_view s, std::size_t pos);

// At most max_bytes of s, never ending inside a multi-byte character, so the
// result is as valid as s was.
std::string_view truncate_utf8(std::string_view s, std::size_t max_bytes);

// s with every byte that is not part of a well-formed sequence replaced by
// U+FFFD: what JSON, a terminal or a header can take safely.
std::string replace_invalid_utf8(std::string_view s);

}  // namespace bottle::text
