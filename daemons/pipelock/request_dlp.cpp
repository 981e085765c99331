#include "request_dlp.hpp"

#include <algorithm>

#include "bottle/http/body_inflater.hpp"
#include "bottle/http/message_codings.hpp"
#include "bottle/text/ascii.hpp"
#include "bottle/text/decoding.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/text/utf8.hpp"

namespace pipelock {

namespace http = boost::beast::http;

namespace {

// A coded body may not inflate past this many times its size, or 64 MiB.
constexpr std::size_t kMaxInflatedBytes = 64u << 20;
constexpr std::size_t kMaxInflateRatio = 100;

// A name an agent chose (a header's, a query parameter's), as a refusal may
// show it: the name when it is short, else its length (a long name may be
// the secret itself).
std::string shown(std::string_view name) { return bottle::text::shown_input(name, 24); }

DlpFinding timed_out() {
  return DlpFinding{"dlp-scan-timeout", "the request (not read within the DLP scan budget)"};
}

bool base64_char(char c) {
  return bottle::text::ascii_isalnum(c) || c == '+' || c == '/' || c == '-' || c == '_';
}

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return bottle::text::ascii_isxdigit(c); });
}

bool encoded_line(std::string_view line) {
  while (!line.empty() && line.back() == '=') line.remove_suffix(1);
  return !line.empty() && std::all_of(line.begin(), line.end(), base64_char);
}

// The runs of base64 characters (with their padding) in `text`; and the
// blocks that consecutive lines of nothing else form (MIME wraps base64 at
// 76), with the line breaks taken out: each block as it stands, and without
// its first or last line (a boundary line "--xyz--" reads as base64 too).
std::vector<std::string> encoded_runs(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!base64_char(text[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && base64_char(text[j])) ++j;
    std::size_t k = j;
    while (k < text.size() && k - j < 2 && text[k] == '=') ++k;
    if (k - i >= RequestDlp::kMinEncodedRun) out.emplace_back(text.substr(i, k - i));
    i = k;
  }
  std::vector<std::string_view> block;
  auto end_block = [&] {
    if (block.size() > 1) {
      for (std::size_t drop_first = 0; drop_first < 2; ++drop_first) {
        for (std::size_t drop_last = 0; drop_last < 2; ++drop_last) {
          if (drop_first + drop_last >= block.size()) continue;
          std::string joined;
          for (std::size_t l = drop_first; l < block.size() - drop_last; ++l)
            joined.append(block[l]);
          if (joined.size() >= RequestDlp::kMinEncodedRun) out.push_back(std::move(joined));
        }
      }
    }
    block.clear();
  };
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (encoded_line(line)) {
      block.push_back(line);
    } else {
      end_block();
    }
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  end_block();
  return out;
}

// JSON's string escapes undone wherever they stand ("\u002d" is "-"): a
// textual pass, so a document of any depth, or one sent as another type,
// is read the way a JSON parser would read its strings.
std::string json_unescaped(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  auto hex4 = [&](std::size_t at) -> long {
    if (at + 4 > in.size() || !all_hex(in.substr(at, 4))) return -1;
    return std::stol(std::string(in.substr(at, 4)), nullptr, 16);
  };
  auto put = [&](char32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\' || i + 1 >= in.size()) {
      out.push_back(in[i]);
      continue;
    }
    const char e = in[i + 1];
    const char* simple = nullptr;
    switch (e) {
      case '"':
        simple = "\"";
        break;
      case '\\':
        simple = "\\";
        break;
      case '/':
        simple = "/";
        break;
      case 'b':
        simple = "\b";
        break;
      case 'f':
        simple = "\f";
        break;
      case 'n':
        simple = "\n";
        break;
      case 'r':
        simple = "\r";
        break;
      case 't':
        simple = "\t";
        break;
      default:
        break;
    }
    if (simple) {
      out.append(simple);
      ++i;
      continue;
    }
    const long unit = e == 'u' ? hex4(i + 2) : -1;
    if (unit < 0) {
      out.push_back(in[i]);
      continue;
    }
    i += 5;
    char32_t cp = static_cast<char32_t>(unit);
    if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < in.size() && in.substr(i + 1, 2) == "\\u") {
      const long low = hex4(i + 3);
      if (low >= 0xdc00 && low < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (static_cast<char32_t>(low) - 0xdc00);
        i += 6;
      }
    }
    if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;  // a lone surrogate
    put(cp);
  }
  return out;
}

}  // namespace

namespace {

// `pattern` without its boundary assertions at either end.
std::string without_end_boundaries(std::string pattern) {
  // Leading flags, "(?i)", stay in front.
  std::size_t start = 0;
  if (pattern.starts_with("(?") && pattern.size() > 2 && pattern[2] != ':') {
    const std::size_t close = pattern.find(')');
    if (close != std::string::npos) start = close + 1;
  }
  if (pattern.compare(start, 2, "\\b") == 0) pattern.erase(start, 2);
  // A trailing \b (not an escaped backslash followed by b).
  auto escaped_at = [&](std::size_t at) {
    std::size_t slashes = 0;
    while (at > slashes && pattern[at - 1 - slashes] == '\\') ++slashes;
    return slashes % 2 == 1;
  };
  if (pattern.ends_with("\\b") && !escaped_at(pattern.size() - 2)) {
    pattern.erase(pattern.size() - 2);
  }
  // A trailing "(?:[^...]|$)": a class of what may not follow, or the end.
  if (pattern.ends_with("|$)")) {
    const std::size_t open = pattern.rfind("(?:[^");
    if (open != std::string::npos && pattern.find('(', open + 1) == std::string::npos) {
      pattern.erase(open);
    }
  }
  return pattern;
}

}  // namespace

void RequestDlp::drop_end_boundaries(bottle::secrets::RuleSet& rules) {
  for (auto& rule : rules.rules) {
    if (!rule.regex) continue;
    const std::string loose = without_end_boundaries(rule.regex->pattern());
    if (loose == rule.regex->pattern()) continue;
    std::string error;
    if (auto re = bottle::secrets::compile_rule_regex(loose, &error);
        re && re->NumberOfCapturingGroups() == rule.regex->NumberOfCapturingGroups()) {
      rule.regex = std::move(re);
    }
  }
}

void RequestDlp::add(Pieces& pieces, std::string where, std::string text, int depth) {
  if (text.empty()) return;
  if (depth > 0 && ++pieces.decoded > kMaxDecodedPieces) {
    pieces.overflow = true;
    return;
  }
  const std::string original = text;
  pieces.items.push_back({where, std::move(text)});
  if (depth >= kMaxDepth) return;
  if (original.find('%') != std::string::npos) {
    std::string decoded = bottle::text::percent_decode(original);
    if (decoded != original)
      add(pieces, where + " (percent-encoded)", std::move(decoded), depth + 1);
  }
  if (original.find('\\') != std::string::npos) {
    std::string unescaped = json_unescaped(original);
    if (unescaped != original) add(pieces, where + " (escaped)", std::move(unescaped), depth + 1);
  }
  for (const std::string& run : encoded_runs(original)) {
    if (all_hex(run)) {
      if (auto bytes = bottle::text::hex_decode(run);
          bytes && bottle::text::looks_like_text(*bytes)) {
        add(pieces, where + " (hex)", std::move(*bytes), depth + 1);
      }
      continue;
    }
    if (auto bytes = bottle::text::base64_decode(run);
        bytes && bottle::text::looks_like_text(*bytes)) {
      add(pieces, where + " (base64)", std::move(*bytes), depth + 1);
    }
  }
}

std::optional<DlpFinding> RequestDlp::scan(const Pieces& pieces,
                                           const bottle::secrets::ScanBudget& budget,
                                           std::size_t lane) const {
  if (pieces.overflow) {
    return DlpFinding{
        "dlp-unreadable-request",
        "the request (more than " + std::to_string(kMaxDecodedPieces) + " encoded runs to read)"};
  }
  if (pieces.items.empty()) return std::nullopt;
  std::string document;
  std::vector<std::size_t> starts;
  for (const auto& p : pieces.items) {
    starts.push_back(document.size());
    document.append(p.text);
    document.push_back('\n');
  }
  // In windows, overlapping by more than any secret is long: one RE2 match
  // cannot be interrupted, and over megabytes of text built to push a rule
  // off its DFA onto the NFA it ran for tens of seconds, past any budget.
  // Between windows the budget (and a fork's cancel) is looked at.
  for (std::size_t from = 0;; from += kScanWindow - kScanOverlap) {
    const std::string_view window = std::string_view(document).substr(from, kScanWindow);
    const auto first = scanner_.first(window, {"request", "", ""}, budget, lane);
    if (first) {
      const std::size_t offset = from + first->offset;
      const auto at = std::upper_bound(starts.begin(), starts.end(), offset) - starts.begin();
      const std::size_t piece = at == 0 ? 0 : static_cast<std::size_t>(at - 1);
      return DlpFinding{first->rule_id, pieces.items[piece].where};
    }
    if (budget.spent()) return timed_out();
    if (from + kScanWindow >= document.size()) return std::nullopt;
  }
}

std::optional<DlpFinding> RequestDlp::scan_head(std::string_view target, const http::fields& fields,
                                                const bottle::secrets::ScanBudget& budget,
                                                std::size_t lane) const {
  Pieces pieces;
  if (const auto hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  const std::size_t question = target.find('?');
  add(pieces, "path", std::string(target.substr(0, question)));
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view param = query.substr(0, amp);
      const std::size_t eq = param.find('=');
      const std::string name = bottle::text::percent_decode(param.substr(0, eq), true);
      const std::string value = eq == std::string_view::npos
                                    ? ""
                                    : bottle::text::percent_decode(param.substr(eq + 1), true);
      add(pieces, "query value '" + shown(name) + "'",
          eq == std::string_view::npos ? name : name + "=" + value);
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  for (const auto& field : fields) {
    const std::string name(field.name_string());
    add(pieces, "header '" + shown(name) + "'", name + ": " + std::string(field.value()));
  }
  return scan(pieces, budget, lane);
}

std::optional<DlpFinding> RequestDlp::scan_body(std::string_view body, const http::fields& fields,
                                                const bottle::secrets::ScanBudget& budget,
                                                std::size_t lane) const {
  if (body.empty()) return std::nullopt;
  const auto coding = bottle::http::content_coding_of(fields);
  std::string inflated;
  if (coding.kind == bottle::http::ContentCoding::kUnreadable) {
    return DlpFinding{"dlp-unreadable-body",
                      "body (Content-Encoding '" + shown(coding.value) + "' cannot be read)"};
  }
  if (coding.kind != bottle::http::ContentCoding::kIdentity) {
    bottle::http::BodyInflater inflater(coding.kind == bottle::http::ContentCoding::kGzip
                                            ? bottle::http::BodyInflater::Coding::kGzip
                                            : bottle::http::BodyInflater::Coding::kDeflate);
    const std::size_t limit = std::min(kMaxInflatedBytes, body.size() * kMaxInflateRatio + 4096);
    std::string_view rest = body;
    while (!rest.empty() || inflater.output_pending()) {
      const auto used = inflater.inflate(rest, inflated, 1 << 16);
      if (!used) {
        return DlpFinding{"dlp-unreadable-body",
                          "body (not valid " + shown(coding.value) + " data)"};
      }
      rest.remove_prefix(*used);
      if (inflated.size() > limit) {
        return DlpFinding{"dlp-unreadable-body",
                          "body (inflates past " + std::to_string(limit) + " bytes)"};
      }
      if (*used == 0 && !inflater.output_pending()) break;
      if (budget.spent()) return timed_out();
    }
    if (!inflater.complete()) {
      return DlpFinding{"dlp-unreadable-body", "body (" + shown(coding.value) + " data cut short)"};
    }
    body = inflated;
  }
  Pieces pieces;
  const std::string type =
      bottle::text::ascii_lower(std::string(fields[http::field::content_type]));
  if (type.starts_with("application/x-www-form-urlencoded")) {
    std::string_view form = body;
    while (!form.empty()) {
      const std::size_t amp = form.find('&');
      add(pieces, "body (form)", bottle::text::percent_decode(form.substr(0, amp), true));
      if (amp == std::string_view::npos) break;
      form.remove_prefix(amp + 1);
    }
  }
  add(pieces, "body", std::string(body));
  return scan(pieces, budget, lane);
}

}  // namespace pipelock
