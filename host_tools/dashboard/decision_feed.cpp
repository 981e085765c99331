#include "decision_feed.hpp"

#include "bottle/json/safe_json.hpp"
#include "bottle/text/terminal_escape.hpp"

namespace host_tools {

namespace {

// A log line is at most this long (ChildCommand cuts longer ones), and a
// decision line is one flat object.
constexpr std::size_t kMaxJsonDepth = 4;

std::string field(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return "";
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  if (v.is_array()) {
    std::string out;
    for (const auto& item : v) {
      if (!out.empty()) out += ",";
      out += item.is_string() ? item.get<std::string>() : item.dump();
    }
    return out;
  }
  return "";
}

}  // namespace

FeedLine read_feed_line(std::string_view line) {
  FeedLine out;
  // "<RFC 3339 time> <daemon>: <rest>"
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return out;
  const std::string_view stamp = line.substr(0, space);
  std::string_view rest = line.substr(space + 1);
  const std::size_t colon = rest.find(": ");
  if (colon == std::string_view::npos || colon > 32) return out;
  const std::string_view daemon = rest.substr(0, colon);
  if (daemon != "pipelock" && daemon != "egress" && daemon != "git-gate") return out;
  rest.remove_prefix(colon + 2);
  if (!rest.starts_with("{")) return out;  // the daemon's own log, not a decision
  nlohmann::json j;
  try {
    j = bottle::json::parse(rest, kMaxJsonDepth);
  } catch (const std::exception&) {
    out.what = FeedLine::What::malformed;
    return out;
  }
  if (!j.is_object()) {
    out.what = FeedLine::What::malformed;
    return out;
  }
  FeedEntry& e = out.entry;
  e.daemon = std::string(daemon);
  e.time = stamp.size() >= 19 ? bottle::text::escape_for_terminal(stamp.substr(11, 8)) : "";
  const std::string decision = field(j, "decision");
  std::string text;
  if (daemon == "git-gate") {
    // git-gate's line per push (decision_line.hpp): refs, decision, rule ids, counts.
    if (field(j, "event") != "push") return out;
    e.kind = decision == "allow" ? FeedEntry::Kind::allow : FeedEntry::Kind::block;
    std::string refs;
    if (j.contains("refs") && j["refs"].is_array()) {
      for (const auto& r : j["refs"]) {
        if (!r.is_object()) continue;
        if (!refs.empty()) refs += ",";
        refs += field(r, "ref");
      }
    }
    text = "push " + decision + " " + field(j, "repository") + " " + refs;
    if (const auto rules = field(j, "rules"); !rules.empty()) text += " rules " + rules;
    if (const auto findings = field(j, "findings"); !findings.empty() && findings != "0") {
      text += " (" + findings + " findings)";
    }
    if (const auto reason = field(j, "reason"); !reason.empty()) text += " - " + reason;
    if (const auto upstream = field(j, "upstream"); !upstream.empty()) {
      text += " (upstream " + upstream + ")";
    }
  } else {
    e.host = field(j, "host");
    if (decision == "allow") {
      e.kind = FeedEntry::Kind::allow;
    } else if (decision == "block" || decision == "redact") {
      e.kind = FeedEntry::Kind::block;
    } else if (daemon == "egress" && j.contains("status")) {
      e.kind = FeedEntry::Kind::other;
    } else {
      return out;  // a JSON line that is no decision
    }
    std::string port = field(j, "port");
    text = (decision.empty() ? field(j, "status") : decision) + " " + field(j, "method") + " " +
           e.host + (port.empty() || port == "443" || port == "80" ? "" : ":" + port) +
           field(j, "path");
    if (const auto reason = field(j, "reason"); !reason.empty()) text += " - " + reason;
  }
  e.text = bottle::text::escape_for_terminal(text);
  out.what = FeedLine::What::decision;
  return out;
}

void DecisionFeed::add(std::string_view log_line) {
  FeedLine line = read_feed_line(log_line);
  if (line.what == FeedLine::What::malformed) ++malformed_;
  if (line.what != FeedLine::What::decision) return;
  entries_.push_back(std::move(line.entry));
  while (entries_.size() > capacity_) entries_.pop_front();
}

void DecisionFeed::clear() {
  entries_.clear();
  malformed_ = 0;
}

}  // namespace host_tools
