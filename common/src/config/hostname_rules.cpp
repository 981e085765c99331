#include "bottle/config/hostname_rules.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "bottle/config/config_error.hpp"

namespace bottle::config {

namespace {

bool is_host_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c == '-'; }

std::string printable(unsigned char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  static const char* hex = "0123456789abcdef";
  return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
}

}  // namespace

std::optional<std::string> hostname_problem(std::string_view host, Wildcards wildcards) {
  if (host.empty()) return "is empty";
  std::string_view rest = host;
  if (rest.starts_with("*.")) {
    if (wildcards == Wildcards::kRefused) return "is a wildcard, which is not allowed here";
    rest.remove_prefix(2);
  }
  if (rest.ends_with('.')) rest.remove_suffix(1);
  if (rest.empty()) return "names no host";
  for (unsigned char c : rest) {
    if (c >= 0x80) {
      return "has a non-ASCII character: write internationalised names in their punycode "
             "form (xn--...)";
    }
    if (!is_host_char(c)) {
      return "has the character " + printable(c) +
             ", which is not allowed (letters, digits, '_', '.', '-'" +
             (wildcards == Wildcards::kAllowed ? std::string(", and a leading '*.')") : ")");
    }
  }
  if (rest.size() > 253) return "is longer than 253 characters";
  size_t start = 0;
  while (start <= rest.size()) {
    size_t dot = rest.find('.', start);
    size_t end = dot == std::string_view::npos ? rest.size() : dot;
    if (end == start) return "has an empty label (two dots in a row, or a leading dot)";
    if (end - start > 63) return "has a label longer than 63 characters";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::nullopt;
}

std::string normalize_hostname(std::string_view host) {
  std::string out(host);
  if (out.ends_with('.') && out.size() > 1) out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string checked_hostname(const YamlContext& ctx, const YAML::Node& at, const std::string& key,
                             const std::string& host, Wildcards wildcards) {
  if (auto problem = hostname_problem(host, wildcards))
    ctx.fail(at, key, "'" + host + "' " + *problem);
  return normalize_hostname(host);
}

std::vector<std::string> parse_host_lines(std::string_view text, const std::string& source) {
  std::vector<std::string> hosts;
  std::set<std::string> seen;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())))
      line.remove_prefix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
      line.remove_suffix(1);
    if (line.empty()) continue;
    if (auto problem = hostname_problem(line, Wildcards::kAllowed)) {
      throw ConfigError(source + ":" + std::to_string(line_no) + ": '" + std::string(line) + "' " +
                        *problem);
    }
    std::string host = normalize_hostname(line);
    if (seen.insert(host).second) hosts.push_back(host);
  }
  return hosts;
}

}  // namespace bottle::config
