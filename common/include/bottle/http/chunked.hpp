#pragma once

#include <cstdio>
#include <string>
#include <string_view>

// HTTP/1.1 chunked transfer coding, for the daemons that write bodies as they
// go: egress re-framing a streamed body, supervise's event streams.
namespace bottle::http {

// One chunk carrying `data` (an empty `data` would end the body: use kLastChunk).
inline std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out = size;
  out.append(data);
  out += "\r\n";
  return out;
}

// The zero-size chunk that ends a chunked body (no trailers).
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace bottle::http
