#include "url_entropy.hpp"

#include <cstdio>

#include "bottle/secrets/entropy.hpp"
#include "bottle/text/decoding.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/text/utf8.hpp"

namespace pipelock {

UrlEntropyCheck::UrlEntropyCheck(double threshold, const std::vector<std::string>& query_exclusions)
    : threshold_(threshold), query_exclusions_(query_exclusions) {}

std::optional<std::string> UrlEntropyCheck::judge(std::string_view value,
                                                  const std::string& where) const {
  if (value.size() < kMinLength) return std::nullopt;
  const double e = bottle::secrets::shannon_entropy(value);
  if (e <= threshold_) return std::nullopt;
  char text[96];
  std::snprintf(text, sizeof text, " (%zu characters) has %.2f bits per character (threshold %.2f)",
                value.size(), e, threshold_);
  return "URL entropy: " + where + text;
}

std::optional<std::string> UrlEntropyCheck::refusal(std::string_view host,
                                                    std::string_view target) const {
  if (threshold_ <= 0) return std::nullopt;
  if (const auto hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  const std::size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  if (path.starts_with('/')) path.remove_prefix(1);
  for (std::size_t segment = 1; !path.empty(); ++segment) {
    const std::size_t slash = path.find('/');
    const std::string part = bottle::text::percent_decode(path.substr(0, slash));
    if (auto why = judge(part, "path segment " + std::to_string(segment))) return why;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (question == std::string_view::npos || query_exclusions_.allows(host)) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos) {
      const std::string name = bottle::text::percent_decode(param.substr(0, eq), true);
      const std::string value = bottle::text::percent_decode(param.substr(eq + 1), true);
      const std::string shown =
          bottle::text::escape_for_terminal(bottle::text::truncate_utf8(name, 64));
      if (auto why = judge(value, "query value '" + shown + "'")) return why;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace pipelock
