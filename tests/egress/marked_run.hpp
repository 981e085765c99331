#pragma once

#include <cstddef>
#include <string>

namespace egress_test {

// The length of the single run of `marker` that `got` has in place of part of
// `original` (0 when they are equal; -1 for any other difference): how the
// reflection guard's tests see that exactly one form of the token was replaced.
inline long marked(const std::string& original, const std::string& got, char marker = '*') {
  if (original.size() != got.size()) return -1;
  std::size_t first = 0;
  while (first < got.size() && got[first] == original[first]) ++first;
  if (first == got.size()) return 0;
  std::size_t last = got.size() - 1;
  while (got[last] == original[last]) --last;
  for (std::size_t i = first; i <= last; ++i) {
    if (got[i] != marker) return -1;
  }
  return static_cast<long>(last - first + 1);
}

}  // namespace egress_test
