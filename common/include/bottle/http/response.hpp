#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Responses the daemons write themselves (a refusal, an MCP reply, an event
// stream's head), one way for all of them: pipelock, egress and supervise
// each built them their own way before.
namespace bottle::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// "HTTP/1.1 403 Forbidden\r\n", with the reason phrase of the status code's
// registry (Boost.Beast's table).
std::string status_line(unsigned status);

// "Name: value\r\n". A value often quotes what a client sent (a refusal's
// reason): its control bytes (CR, LF, NUL, DEL) become '?', so nothing can
// end the line or add a header.
std::string header_line(std::string_view name, std::string_view value);

// A whole response whose body is known: the status line, `headers` in order,
// Content-Length, "Connection: close" unless `keep_alive`, the blank line
// and the body.
std::string complete_response(unsigned status, const HeaderList& headers, std::string_view body,
                              bool keep_alive = false);

}  // namespace bottle::http
