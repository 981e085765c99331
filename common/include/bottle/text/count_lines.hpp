#pragma once

#include <cstring>
#include <string_view>

namespace bottle::text {

// The '\n' bytes in `s`. memchr is vectorised by the C library, where a
// counting loop is not at -O2: the secret scanner counts every window's
// newlines, and this took a tenth of its time as std::count.
inline std::size_t count_newlines(std::string_view s) {
  std::size_t n = 0;
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (!nl) break;
    ++n;
    p = static_cast<const char*>(nl) + 1;
  }
  return n;
}

}  // namespace bottle::text
