#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace bottle_test {

// Text dense with near-secrets: "key=<14 letters>" lines, each one a
// candidate of the generic rules that the allowlists must weigh, the costly
// case of the secret scanner (an agent can make every DLP scan read this).
inline std::string near_secret_lines(std::size_t lines, std::uint32_t seed = 1) {
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) {
    text += "key=";
    for (int c = 0; c < 14; ++c) {
      seed = seed * 1103515245u + 12345u;
      text.push_back(static_cast<char>('a' + (seed >> 16) % 26));
    }
    text += "\n";
  }
  return text;
}

}  // namespace bottle_test
