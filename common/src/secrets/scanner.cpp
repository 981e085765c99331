#include "bottle/secrets/scanner.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>

#include "bottle/secrets/entropy.hpp"
#include "bottle/secrets/prefilter_pattern.hpp"
#include "bottle/text/ascii.hpp"
#include "bottle/text/count_lines.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/text/utf8.hpp"

namespace bottle::secrets {

namespace {

constexpr std::size_t kExcerptWidth = 80;
constexpr std::size_t kSetFromBytes = 256 << 10;
constexpr std::size_t kMaxGroups = 16;
// What a finding reads of its line (for line-target allowlists and the
// excerpt): at most this much each side of the secret. A line of megabytes
// (minified code, a body with no newline) holding many matches would
// otherwise cost a pass over the line per match.
constexpr std::size_t kLineWindow = 4096;

std::vector<std::string> all_keywords(const RuleSet& rules) {
  std::map<std::string, bool> seen;
  std::vector<std::string> out;
  for (const auto& r : rules.rules) {
    for (const auto& k : r.keywords) {
      if (!seen[k]) out.push_back(k);
      seen[k] = true;
    }
  }
  return out;
}

bool search(const Regex& re, std::string_view text) {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re);
}

std::uint64_t digest(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// The line holding the secret, the secret cut to its first characters and
// "…", shortened around it, safe for a terminal: enough to find it, too
// little to use it.
std::string redacted_excerpt(std::string_view line, std::size_t secret_at,
                             std::size_t secret_size) {
  const std::size_t keep = std::min<std::size_t>(4, secret_size / 4);
  std::string shown = std::string(line.substr(0, secret_at));
  shown += line.substr(secret_at, keep);
  shown += "…";
  const std::size_t mark = shown.size();
  shown += line.substr(std::min(line.size(), secret_at + secret_size));
  std::size_t start = 0;
  if (shown.size() > kExcerptWidth && mark > kExcerptWidth / 2) start = mark - kExcerptWidth / 2;
  // Never start inside a character.
  while (start > 0 && start < shown.size() &&
         (static_cast<unsigned char>(shown[start]) & 0xc0) == 0x80) {
    --start;
  }
  std::string_view view = std::string_view(shown).substr(start);
  const std::string_view cut = bottle::text::truncate_utf8(view, kExcerptWidth);
  std::string out =
      (start > 0 ? "…" : "") + std::string(cut) + (cut.size() < view.size() ? "…" : "");
  return bottle::text::escape_for_terminal(out);
}

}  // namespace

Scanner::Scanner(RuleSet rules) : rules_(std::move(rules)), keywords_(all_keywords(rules_)) {
  const auto keywords = all_keywords(rules_);
  std::map<std::string, std::size_t> id;
  for (std::size_t i = 0; i < keywords.size(); ++i) id[keywords[i]] = i;
  rules_of_keyword_.resize(keywords.size());
  for (std::size_t r = 0; r < rules_.rules.size(); ++r) {
    const Rule& rule = rules_.rules[r];
    if (!rule.regex) continue;
    if (rule.keywords.empty()) rules_without_keywords_.push_back(r);
    for (const auto& k : rule.keywords) rules_of_keyword_[id.at(k)].push_back(r);
  }
}

const Scanner::AnyMatchSet* Scanner::any_match_set(std::size_t lane) const {
  AnyMatchSet& a = (*any_match_)[lane % kLanes];
  std::call_once(a.built, [this, &a] {
    RE2::Options options;
    options.set_log_errors(false);
    // The set's automaton is built lazily, state by state, as text needs it;
    // past this budget a match reports "out of memory" and keywords decide.
    options.set_max_mem(64 << 20);
    auto set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
    for (std::size_t r = 0; r < rules_.rules.size(); ++r) {
      if (!rules_.rules[r].regex) continue;
      const std::string& pattern = rules_.rules[r].regex->pattern();
      // Widened, the set compiles ten times faster and still names every
      // rule that can match; the original if RE2 should refuse the rewrite.
      if (set->Add(widen_repetitions(pattern), nullptr) < 0 && set->Add(pattern, nullptr) < 0) {
        return;
      }
      a.rule_of_entry.push_back(r);
    }
    if (set->Compile()) a.set = std::move(set);
  });
  return a.set ? &a : nullptr;
}

namespace {

// Which set entries match in `text`; false if the set ran out of memory.
bool set_matches(const RE2::Set& set, std::string_view text, std::vector<int>& matched) {
  RE2::Set::ErrorInfo error{};
  return set.Match(re2::StringPiece(text.data(), text.size()), &matched, &error) ||
         error.kind == RE2::Set::kNoError;
}

}  // namespace

std::vector<bool> Scanner::rules_to_run(std::string_view bytes, std::size_t lane) const {
  const std::size_t n = rules_.rules.size();
  std::vector<bool> run(n, false);
  bool by_set = false;
  // Compiling the set costs about 0.02 s for the shipped rules: small texts
  // (a push of a few commits) do without; the first large fragment builds
  // it, for every later scan.
  const AnyMatchSet* any_match = bytes.size() >= kSetFromBytes ? any_match_set(lane) : nullptr;
  if (any_match) {
    // First which rules match anywhere (the set's one pass), then, for those
    // only, whether their keywords occur: a fragment with no match at all,
    // nearly every one, costs the set's pass and nothing else.
    std::vector<int> matched;
    // One pass over the whole fragment: a match may run far (a key, blank
    // lines, its value), so a cut fragment could hide one from the set.
    by_set = set_matches(*any_match->set, bytes, matched);
    if (by_set) {
      if (matched.empty()) return run;
      for (int entry : matched) {
        run[any_match->rule_of_entry[static_cast<std::size_t>(entry)]] = true;
      }
    }
    // Otherwise out of memory on this text: every rule's keywords decide.
  }
  std::vector<bool> found;
  keywords_.find(bytes, found);
  std::vector<bool> keyed(n, false);
  for (std::size_t r : rules_without_keywords_) keyed[r] = true;
  for (std::size_t k = 0; k < found.size(); ++k) {
    if (!found[k]) continue;
    for (std::size_t r : rules_of_keyword_[k]) keyed[r] = true;
  }
  for (std::size_t r = 0; r < n; ++r) run[r] = keyed[r] && (run[r] || !by_set);
  return run;
}

bool Scanner::allowed(const Rule& rule, const Source& where, std::string_view secret,
                      std::string_view match, std::string_view line) const {
  auto allows = [&](const Allowlist& a) {
    std::vector<bool> checks;
    if (!a.commits.empty()) {
      const std::string commit = bottle::text::ascii_lower(where.commit);
      checks.push_back(!commit.empty() &&
                       std::find(a.commits.begin(), a.commits.end(), commit) != a.commits.end());
    }
    if (!a.paths.empty()) {
      checks.push_back(std::any_of(a.paths.begin(), a.paths.end(),
                                   [&](const Regex& p) { return search(p, where.path); }));
    }
    if (!a.regexes.empty()) {
      const std::string_view target = a.regex_target == Allowlist::Target::secret  ? secret
                                      : a.regex_target == Allowlist::Target::match ? match
                                                                                   : line;
      checks.push_back(std::any_of(a.regexes.begin(), a.regexes.end(),
                                   [&](const Regex& re) { return search(re, target); }));
    }
    if (!a.stopwords.empty()) {
      const std::string s = bottle::text::ascii_lower(secret);
      checks.push_back(std::any_of(a.stopwords.begin(), a.stopwords.end(),
                                   [&](const auto& w) { return s.find(w) != std::string::npos; }));
    }
    if (checks.empty()) return false;
    if (a.condition == Allowlist::Condition::all) {
      return std::all_of(checks.begin(), checks.end(), [](bool b) { return b; });
    }
    return std::any_of(checks.begin(), checks.end(), [](bool b) { return b; });
  };
  for (const auto& a : rules_.allowlists) {
    if (!a.target_rules.empty() &&
        std::find(a.target_rules.begin(), a.target_rules.end(), rule.id) == a.target_rules.end()) {
      continue;
    }
    if (allows(a)) return true;
  }
  return std::any_of(rule.allowlists.begin(), rule.allowlists.end(), allows);
}

std::vector<Finding> Scanner::scan(std::string_view bytes, const Source& where,
                                   const FragmentPosition& position, std::size_t lane) const {
  return scan(bytes, where, position, lane, SIZE_MAX, ScanBudget{});
}

std::optional<Finding> Scanner::first(std::string_view bytes, const Source& where,
                                      const ScanBudget& budget, std::size_t lane) const {
  auto found = scan(bytes, where, {}, lane, 1, budget);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

std::vector<Finding> Scanner::scan(std::string_view bytes, const Source& where,
                                   const FragmentPosition& position, std::size_t lane,
                                   std::size_t limit, const ScanBudget& budget) const {
  std::vector<Finding> out;
  // Where each line starts, found once: every match looks its line up here.
  std::vector<std::size_t> newlines;
  bool newlines_found = false;
  auto line_bounds = [&](std::size_t at) {
    if (!newlines_found) {
      newlines_found = true;
      for (const char* p = bytes.data();
           (p = static_cast<const char*>(std::memchr(p, '\n', bytes.size() - (p - bytes.data()))));
           ++p) {
        newlines.push_back(static_cast<std::size_t>(p - bytes.data()));
      }
    }
    const auto next = std::lower_bound(newlines.begin(), newlines.end(), at);
    const std::size_t end = next == newlines.end() ? bytes.size() : *next;
    const std::size_t begin = next == newlines.begin() ? 0 : *std::prev(next) + 1;
    return std::pair<std::size_t, std::size_t>(begin, end);
  };
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // each finding's secret, for the dedupe
  const std::vector<bool> run = rules_to_run(bytes, lane);
  const re2::StringPiece input(bytes.data(), bytes.size());
  for (std::size_t r = 0; r < run.size() && !budget.spent(); ++r) {
    if (!run[r]) continue;
    const Rule& rule = rules_.rules[r];
    if (rule.path && !search(rule.path, where.path)) continue;
    const RE2& re = *rule.regex;
    const std::size_t groups =
        std::min<std::size_t>(static_cast<std::size_t>(re.NumberOfCapturingGroups()), kMaxGroups);
    re2::StringPiece match[kMaxGroups + 1];
    std::size_t at = 0;
    // For line numbers: newlines are counted once, forward, per rule.
    std::size_t counted_to = 0;
    std::uint64_t line = position.first_line;
    while (at <= bytes.size() && re.Match(input, at, bytes.size(), RE2::UNANCHORED, match,
                                          static_cast<int>(groups) + 1)) {
      const std::size_t begin = static_cast<std::size_t>(match[0].data() - bytes.data());
      const std::size_t end = begin + match[0].size();
      at = end > begin ? end : begin + 1;
      // Each match costs an allowlist pass over its line window: a text
      // dense with near-secrets is where the time goes.
      if (budget.spent()) break;
      if (end <= position.report_after && position.report_after > 0) continue;
      re2::StringPiece secret = match[0];
      if (rule.secret_group > 0) {
        secret = static_cast<std::size_t>(rule.secret_group) <= groups ? match[rule.secret_group]
                                                                       : re2::StringPiece();
      } else {
        for (std::size_t g = 1; g <= groups; ++g) {
          if (!match[g].empty()) {
            secret = match[g];
            break;
          }
        }
      }
      if (secret.empty() || secret.data() == nullptr) continue;
      const std::string_view secret_view(secret.data(), secret.size());
      if (rule.entropy && shannon_entropy(secret_view) <= *rule.entropy) continue;
      const std::size_t secret_at = static_cast<std::size_t>(secret.data() - bytes.data());
      const auto [line_begin, line_end] = line_bounds(secret_at);
      const std::size_t window_begin =
          secret_at - line_begin > kLineWindow ? secret_at - kLineWindow : line_begin;
      const std::size_t window_end =
          std::min(line_end, secret_at + secret_view.size() + kLineWindow);
      const std::string_view line_text = bytes.substr(window_begin, window_end - window_begin);
      if (allowed(rule, where, secret_view, std::string_view(match[0].data(), match[0].size()),
                  line_text)) {
        continue;
      }
      if (secret_at > counted_to) {  // always, as matches run forward; never count backwards
        line += bottle::text::count_newlines(bytes.substr(counted_to, secret_at - counted_to));
        counted_to = secret_at;
      }
      Finding f;
      f.rule_id = rule.id;
      f.description = rule.description;
      f.source = where;
      f.line = line;
      f.column = secret_at - line_begin + 1;
      f.offset = position.offset + secret_at;
      f.excerpt = redacted_excerpt(line_text, secret_at - window_begin,
                                   std::min(secret.size(), window_end - secret_at));
      f.secret_digest = digest(secret_view);
      out.push_back(std::move(f));
      spans.emplace_back(secret_at, secret_at + secret.size());
      if (out.size() >= limit) return out;
    }
  }
  // As gitleaks does: a generic rule's finding adds nothing where a rule
  // that knows the provider found the same secret.
  // The specific findings' spans by start, with the furthest end so far: a
  // generic span [b, e) is covered when one that starts before e ends after b.
  auto generic = [](const Finding& f) { return f.rule_id.starts_with("generic"); };
  std::vector<std::pair<std::size_t, std::size_t>> specific;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!generic(out[i])) specific.push_back(spans[i]);
  }
  std::sort(specific.begin(), specific.end());
  std::vector<std::size_t> furthest_end(specific.size());
  for (std::size_t i = 0; i < specific.size(); ++i) {
    furthest_end[i] = std::max(specific[i].second, i > 0 ? furthest_end[i - 1] : 0);
  }
  std::vector<Finding> kept;
  for (std::size_t i = 0; i < out.size(); ++i) {
    bool covered = false;
    if (generic(out[i])) {
      const auto starts_before_end =
          std::lower_bound(specific.begin(), specific.end(),
                           std::pair<std::size_t, std::size_t>(spans[i].second, 0));
      const std::size_t n = static_cast<std::size_t>(starts_before_end - specific.begin());
      covered = n > 0 && furthest_end[n - 1] > spans[i].first;
    }
    if (!covered) kept.push_back(std::move(out[i]));
  }
  return kept;
}

std::vector<Finding> Scanner::scan_path(const Source& where) const {
  std::vector<Finding> out;
  if (where.path.empty()) return out;
  for (const auto& rule : rules_.rules) {
    if (rule.regex || !rule.path || !search(rule.path, where.path)) continue;
    if (allowed(rule, where, where.path, where.path, where.path)) continue;
    Finding f;
    f.rule_id = rule.id;
    f.description = rule.description;
    f.source = where;
    f.excerpt = bottle::text::escape_for_terminal(
        std::string(bottle::text::truncate_utf8("file " + where.path, kExcerptWidth)));
    f.secret_digest = digest(where.path);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace bottle::secrets
