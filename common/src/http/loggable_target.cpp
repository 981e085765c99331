#include "bottle/http/loggable_target.hpp"

#include "bottle/text/terminal_escape.hpp"
#include "bottle/text/utf8.hpp"

namespace bottle::http {

namespace {
constexpr std::size_t kMaxPart = 200;
}  // namespace

void append_redacted_query(std::string& out, std::string_view query) {
  std::size_t start = 0;
  for (bool first = true;; first = false) {
    const std::size_t end = query.find('&', start);
    const std::string_view pair =
        query.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!first) out += '&';
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      if (!pair.empty()) out += "…";
    } else {
      out += pair.substr(0, eq);
      out += "=…";
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

std::string loggable_target(std::string_view raw) {
  const std::size_t hash = raw.find('#');
  const std::string_view rest = raw.substr(0, hash);
  const std::size_t q = rest.find('?');
  std::string out(text::truncate_utf8(rest.substr(0, q), kMaxPart));
  if (q != std::string_view::npos) {
    out += '?';
    append_redacted_query(out, text::truncate_utf8(rest.substr(q + 1), kMaxPart));
  }
  if (hash != std::string_view::npos) out += "#…";
  return text::escape_for_terminal(out);
}

}  // namespace bottle::http
