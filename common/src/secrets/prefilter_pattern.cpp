#include "bottle/secrets/prefilter_pattern.hpp"

#include <algorithm>
#include <cctype>

namespace bottle::secrets {

namespace {

bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// The digits at `at` as a number (saturating), and where they end.
std::size_t read_number(std::string_view p, std::size_t at, unsigned long& value) {
  value = 0;
  while (at < p.size() && digit(p[at])) {
    value = std::min<unsigned long>(value * 10 + static_cast<unsigned long>(p[at] - '0'), 1u << 20);
    ++at;
  }
  return at;
}

// If p[at] opens a repetition RE2 accepts ({m}, {m,}, {m,n}), its lower
// bound and the index just past it (and past a lazy '?'); else npos. "{,n}"
// and other braces are literal text to RE2, and stay as they are.
std::size_t repetition_end(std::string_view p, std::size_t at, unsigned long& low) {
  if (at >= p.size() || p[at] != '{' || at + 1 >= p.size() || !digit(p[at + 1])) {
    return std::string_view::npos;
  }
  std::size_t i = read_number(p, at + 1, low);
  if (i < p.size() && p[i] == ',') {
    unsigned long high = 0;
    i = read_number(p, i + 1, high);
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

// The index just past the character class opening at p[at] == '['. A ']'
// first (after an optional '^') is a member; so are [:name:] and escapes.
std::size_t class_end(std::string_view p, std::size_t at) {
  std::size_t i = at + 1;
  if (i < p.size() && p[i] == '^') ++i;
  if (i < p.size() && p[i] == ']') ++i;
  while (i < p.size() && p[i] != ']') {
    if (p[i] == '\\') {
      i = escape_end(p, i);
    } else if (p[i] == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      const std::size_t close = p.find(":]", i + 2);
      i = close == std::string_view::npos ? i + 1 : close + 2;
    } else {
      ++i;
    }
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
