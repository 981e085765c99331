#pragma once

#include <string>
#include <string_view>

// The encodings tests wrap a secret in, to check that what reads traffic
// (egress's reflection guard, pipelock's DLP) undoes them.
namespace bottle_test {

// Padded base64, standard or URL-safe alphabet.
inline std::string base64(std::string_view data, bool url = false) {
  const char* a = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                      : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(data[i]) << 16) |
                   (static_cast<unsigned char>(data[i + 1]) << 8) |
                   static_cast<unsigned char>(data[i + 2]);
    out += {a[(n >> 18) & 63], a[(n >> 12) & 63], a[(n >> 6) & 63], a[n & 63]};
  }
  if (i + 1 == data.size()) {
    const auto n = static_cast<unsigned char>(data[i]) << 16;
    out += {a[(n >> 18) & 63], a[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == data.size()) {
    const auto n = (static_cast<unsigned char>(data[i]) << 16) |
                   (static_cast<unsigned char>(data[i + 1]) << 8);
    out += {a[(n >> 18) & 63], a[(n >> 12) & 63], a[(n >> 6) & 63], '='};
  }
  return out;
}

inline std::string hex(std::string_view data, bool upper = false) {
  const char* d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : data) out += {d[c >> 4], d[c & 15]};
  return out;
}

}  // namespace bottle_test
