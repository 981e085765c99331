#include "bottle/proposals/field_rules.hpp"

#include <cctype>

#include "bottle/config/config_error.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/text/utf8.hpp"

namespace bottle::proposals {

using bottle::config::ConfigError;
using nlohmann::json;

namespace {

// Text that is valid UTF-8 and that a terminal only prints: each line (the
// newlines are the caller's to allow) holds nothing escape_for_terminal would change.
bool printable_lines(std::string_view text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (!bottle::text::is_terminal_safe(text.substr(start, end - start))) return false;
    start = end + 1;
  }
  return true;
}

std::string free_text(const json& value, const std::string& what, bool may_be_empty) {
  if (!value.is_string()) throw ConfigError(what + " must be a string");
  const std::string text = value.get<std::string>();
  if (!may_be_empty && text.find_first_not_of(" \t\n") == std::string::npos) {
    throw ConfigError(what + " is empty: say what the change is for");
  }
  if (text.size() > kMaxReasonBytes) {
    throw ConfigError(what + " is " + std::to_string(text.size()) + " bytes (at most " +
                      std::to_string(kMaxReasonBytes) + ")");
  }
  if (!bottle::text::is_valid_utf8(text)) throw ConfigError(what + " is not valid UTF-8");
  // The operator reads this in a terminal: no escape sequences, no carriage
  // return overwriting a line, no bidirectional override reordering one.
  if (!printable_lines(text)) {
    throw ConfigError(what + " contains a control character (only newline and tab are allowed)");
  }
  return text;
}

bool matches_digits(std::string_view text, std::string_view pattern) {
  if (text.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(text[i])) != 0;
    if (pattern[i] == '#' ? !digit : text[i] != pattern[i]) return false;
  }
  return true;
}

}  // namespace

std::string shown(std::string_view text, std::size_t max_bytes) {
  const std::string_view cut = bottle::text::truncate_utf8(text, max_bytes);
  std::string out = "\"";
  bottle::text::append_escaped_for_terminal(out, cut);
  if (cut.size() < text.size()) out += "...";
  return out + "\"";
}

std::string checked_reason(const json& value) { return free_text(value, "reason", false); }

std::string checked_comment(const json& value) { return free_text(value, "comment", true); }

std::string checked_timestamp(const json& value, const std::string& key) {
  if (!value.is_string()) throw ConfigError("'" + key + "' must be a string");
  const std::string text = value.get<std::string>();
  constexpr std::string_view kSeconds = "####-##-##T##:##:##";
  bool ok = text.size() > kSeconds.size() && text.back() == 'Z' &&
            matches_digits(std::string_view(text).substr(0, kSeconds.size()), kSeconds);
  if (ok && text.size() > kSeconds.size() + 1) {
    const std::string_view fraction =
        std::string_view(text).substr(kSeconds.size(), text.size() - kSeconds.size() - 1);
    ok = fraction.size() >= 2 && fraction.size() <= 10 && fraction[0] == '.' &&
         matches_digits(fraction.substr(1), std::string(fraction.size() - 1, '#'));
  }
  if (!ok) {
    throw ConfigError("'" + key + "' " + shown(text) +
                      " is not a UTC time like 2026-11-22T10:30:00Z");
  }
  return text;
}

std::string checked_operator(const json& value) {
  if (!value.is_string()) throw ConfigError("'decided_by' must be a string");
  const std::string name = value.get<std::string>();
  if (name.empty() || name.size() > kMaxOperatorBytes || !bottle::text::is_terminal_safe(name)) {
    throw ConfigError("'decided_by' " + shown(name) + " is not an operator's name (1 to " +
                      std::to_string(kMaxOperatorBytes) + " bytes of printable text)");
  }
  return name;
}

std::string recordable_operator(std::string_view name) {
  const std::string escaped = bottle::text::escape_for_terminal(name);
  const std::string_view cut = bottle::text::truncate_utf8(escaped, kMaxOperatorBytes);
  return cut.empty() ? std::string("unknown") : std::string(cut);
}

}  // namespace bottle::proposals
