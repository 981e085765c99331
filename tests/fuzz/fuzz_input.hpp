#pragma once

// What the fuzz targets share: the input as text, and split points the fuzzer
// chooses, so that code reading a stream is fed the way a network delivers
// it (a head cut anywhere, a record in pieces), not only in one piece.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace bottle_fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The first byte (when there is one) seeds the piece sizes; the rest is the
// stream, cut into pieces of 1 to 64 bytes, or whole when the seed is 0.
inline std::vector<std::string_view> pieces_of(std::string_view input) {
  std::vector<std::string_view> out;
  if (input.empty()) return out;
  std::uint32_t seed = static_cast<unsigned char>(input[0]);
  std::string_view rest = input.substr(1);
  if (seed == 0) {
    out.push_back(rest);
    return out;
  }
  while (!rest.empty()) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t n = std::min<std::size_t>(rest.size(), 1 + (seed >> 16) % 64);
    out.push_back(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  return out;
}

}  // namespace bottle_fuzz
