#include "secret_scanner.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace git_gate {

namespace {

constexpr std::size_t kExcerptWidth = 60;

bool path_allowed(const SecretRules& rules, const std::string& path) {
  return std::any_of(rules.allowlist.paths.begin(), rules.allowlist.paths.end(),
                     [&](const auto& re) { return RE2::PartialMatch(path, *re); });
}

void lower_into(std::string_view text, std::string& out) {
  out.resize(text.size());
  std::transform(text.begin(), text.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
}

void check_line(const SecretRules& rules, std::string_view text, std::string_view lowered,
                const std::string& path, int line, const std::string& commit,
                std::vector<Finding>& out) {
  for (const auto& rule : rules.rules) {
    if (!rule.keywords.empty() &&
        std::none_of(rule.keywords.begin(), rule.keywords.end(), [&](const std::string& k) {
          return lowered.find(k) != std::string_view::npos;
        })) {
      continue;
    }
    const int groups = rule.regex->NumberOfCapturingGroups();
    std::vector<re2::StringPiece> match(static_cast<std::size_t>(groups) + 1);
    const re2::StringPiece input(text.data(), text.size());
    std::size_t at = 0;
    // Every match on the line: an allowed first one must not hide a second.
    while (at <= text.size() && rule.regex->Match(input, at, text.size(), RE2::UNANCHORED,
                                                  match.data(), static_cast<int>(match.size()))) {
      const re2::StringPiece whole = match[0];
      const re2::StringPiece secret_piece = match[static_cast<std::size_t>(rule.secret_group)];
      at = static_cast<std::size_t>(whole.data() - text.data()) +
           std::max<std::size_t>(whole.size(), 1);
      const std::string secret(secret_piece.data(), secret_piece.size());
      if (secret.empty()) continue;
      if (rule.min_entropy && shannon_entropy(secret) < *rule.min_entropy) continue;
      if (std::any_of(rules.allowlist.secrets.begin(), rules.allowlist.secrets.end(),
                      [&](const auto& re) { return RE2::PartialMatch(secret, *re); })) {
        continue;
      }
      Finding f{rule.id, rule.description, commit, path, line, secret, std::string(text)};
      if (rules.allowlist.fingerprints.count(f.fingerprint())) continue;
      out.push_back(std::move(f));
    }
  }
}

}  // namespace

std::string Finding::fingerprint() const {
  return commit + ":" + path + ":" + rule_id + ":" + std::to_string(line);
}

std::string Finding::redacted_excerpt() const {
  std::string redacted = line_text;
  const std::string shown = secret.substr(0, std::min<std::size_t>(4, secret.size() / 4)) + "…";
  for (std::size_t at = redacted.find(secret); at != std::string::npos && !secret.empty();
       at = redacted.find(secret, at + shown.size())) {
    redacted.replace(at, secret.size(), shown);
  }
  // Tabs and other controls would break the agent's terminal line.
  for (auto& c : redacted) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  const std::size_t at = redacted.find(shown);
  if (redacted.size() > kExcerptWidth && at != std::string::npos) {
    const std::size_t start = at > kExcerptWidth / 2 ? at - kExcerptWidth / 2 : 0;
    redacted = (start > 0 ? "…" : "") + redacted.substr(start, kExcerptWidth) +
               (start + kExcerptWidth < redacted.size() ? "…" : "");
  }
  return redacted;
}

std::vector<Finding> scan_line(const SecretRules& rules, std::string_view text,
                               const std::string& path, int line, const std::string& commit) {
  std::vector<Finding> out;
  if (path_allowed(rules, path)) return out;
  std::string lowered;
  lower_into(text, lowered);
  check_line(rules, text, lowered, path, line, commit, out);
  return out;
}

void PatchScanner::feed_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.starts_with('\x01')) {  // our --format marker: a new commit
    commit_ = std::string(line.substr(1));
    path_.clear();
    in_header_ = false;
    return;
  }
  if (in_header_ && line.starts_with("+++ ")) {
    std::string_view p = line.substr(4);
    if (p == "/dev/null") {
      path_.clear();
      path_skipped_ = true;
      return;
    }
    if (p.size() >= 2 && p.front() == '"' && p.back() == '"') p = p.substr(1, p.size() - 2);
    if (p.starts_with("b/")) p.remove_prefix(2);
    path_ = std::string(p);
    path_skipped_ = path_allowed(rules_, path_);
    return;
  }
  if (line.starts_with("@@ ")) {
    in_header_ = false;
    // "@@ -a[,b] +c[,d] @@": added lines are numbered from c in the new file.
    const std::size_t plus = line.find(" +");
    if (plus != std::string_view::npos) {
      const char* begin = line.data() + plus + 2;
      std::from_chars(begin, line.data() + line.size(), next_line_);
    }
    return;
  }
  if (line.starts_with("diff --git ")) {
    path_.clear();
    in_header_ = true;
    return;
  }
  if (in_header_) return;  // index, mode, ---, "Binary files ... differ"
  if (line.starts_with('+')) {
    const int number = next_line_++;
    if (path_.empty() || path_skipped_) return;
    ++lines_scanned_;
    const std::string_view text = line.substr(1);
    lower_into(text, lowered_);
    check_line(rules_, text, lowered_, path_, number, commit_, findings_);
    return;
  }
  if (line.starts_with(' ')) ++next_line_;  // context, should a caller ask for it
}

}  // namespace git_gate
