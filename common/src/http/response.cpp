#include "bottle/http/response.hpp"

// <ostream> first: Beast's status header uses std::ostream without including it.
// clang-format off
#include <ostream>
#include <boost/beast/http/status.hpp>
// clang-format on

namespace bottle::http {

std::string status_line(unsigned status) {
  const auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason.data(), reason.size()) +
         "\r\n";
}

std::string header_line(std::string_view name, std::string_view value) {
  std::string out(name);
  out += ": ";
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    out += c < 0x20 || c == 0x7f ? '?' : ch;
  }
  out += "\r\n";
  return out;
}

std::string complete_response(unsigned status, const HeaderList& headers, std::string_view body,
                              bool keep_alive) {
  std::string out = status_line(status);
  for (const auto& [name, value] : headers) out += header_line(name, value);
  out += header_line("Content-Length", std::to_string(body.size()));
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  out.append(body);
  return out;
}

}  // namespace bottle::http
