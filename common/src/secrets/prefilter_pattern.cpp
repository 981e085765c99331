#include "bottle/secrets/prefilter_pattern.hpp"

#include <algorithm>
#include <string>

namespace bottle::secrets {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// A count as RE2 reads one: "0", or no leading zero and at most 4 digits
// (RE2 refuses a repetition over 1000, so longer counts only ever occur in
// rules that never load, or as literal text). Anything else ("01", "00",
// "1000000000") is not a count to RE2 but literal text: nullopt, and the
// braces stay as they are. When unsure, leaving a repetition alone is safe.
std::size_t read_count(std::string_view p, std::size_t at, unsigned long& value) {
  std::size_t i = at;
  while (i < p.size() && digit(p[i])) ++i;
  const std::size_t digits = i - at;
  if (digits == 0 || digits > 4 || (digits > 1 && p[at] == '0')) return std::string_view::npos;
  value = std::stoul(std::string(p.substr(at, digits)));
  return i;
}

// If p[at] opens a repetition RE2 accepts ({m}, {m,}, {m,n}), its lower
// bound and the index just past it (and past a lazy '?'); else npos. "{,n}"
// and other braces are literal text to RE2, and stay as they are.
std::size_t repetition_end(std::string_view p, std::size_t at, unsigned long& low) {
  if (at >= p.size() || p[at] != '{') return std::string_view::npos;
  std::size_t i = read_count(p, at + 1, low);
  if (i == std::string_view::npos) return i;
  if (i < p.size() && p[i] == ',') {
    ++i;
    if (i < p.size() && p[i] != '}') {
      unsigned long high = 0;
      i = read_count(p, i, high);
      if (i == std::string_view::npos) return i;
    }
  }
  if (i >= p.size() || p[i] != '}') return std::string_view::npos;
  ++i;
  if (i < p.size() && p[i] == '?') ++i;
  return i;
}

// The index just past the escape at p[at] == '\\': \x{...}, \p{...} and
// \P{...} carry braces of their own; \Q...\E is literal text to its \E.
std::size_t escape_end(std::string_view p, std::size_t at) {
  if (at + 1 >= p.size()) return p.size();
  const char e = p[at + 1];
  if (e == 'Q') {
    const std::size_t end = p.find("\\E", at + 2);
    return end == std::string_view::npos ? p.size() : end + 2;
  }
  if ((e == 'x' || e == 'p' || e == 'P') && at + 2 < p.size() && p[at + 2] == '{') {
    const std::size_t close = p.find('}', at + 3);
    return close == std::string_view::npos ? p.size() : close + 1;
  }
  return at + 2;
}

// The index just past one character of a class at p[i]: an escape, or a byte
// (a byte of a UTF-8 sequence is never a bracket, a brace or a backslash).
std::size_t class_character_end(std::string_view p, std::size_t i) {
  return p[i] == '\\' ? escape_end(p, i) : i + 1;
}

// The index just past the character class opening at p[at] == '[', read as
// RE2's parser reads one, member by member: a ']' first (after an optional
// '^') is a member; a member starting "[:" is a POSIX class up to ":]";
// otherwise a character, or a range of two ("!-[": the '[' ends the range and
// opens nothing).
std::size_t class_end(std::string_view p, std::size_t at) {
  std::size_t i = at + 1;
  if (i < p.size() && p[i] == '^') ++i;
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    first = false;
    if (p[i] == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      const std::size_t close = p.find(":]", i + 2);
      if (close != std::string_view::npos) {
        i = close + 2;
        continue;
      }
    }
    i = class_character_end(p, i);
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') i = class_character_end(p, i + 1);
  }
  return std::min(p.size(), i + 1);
}

}  // namespace

std::string widen_repetitions(std::string_view p, unsigned cap) {
  std::string out;
  out.reserve(p.size());
  std::size_t i = 0;
  while (i < p.size()) {
    std::size_t next = i + 1;
    if (p[i] == '\\') {
      next = escape_end(p, i);
    } else if (p[i] == '[') {
      next = class_end(p, i);
    } else {
      unsigned long low = 0;
      const std::size_t end = repetition_end(p, i, low);
      if (end != std::string_view::npos) {
        out += '{';
        out += std::to_string(std::min<unsigned long>(low, cap));
        out += ",}";
        i = end;
        continue;
      }
    }
    out.append(p.substr(i, next - i));
    i = next;
  }
  return out;
}

}  // namespace bottle::secrets
