#include "decision_line.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <set>

#include "bottle/json/safe_json.hpp"
#include "bottle/text/utf8.hpp"
#include "bottle/utc_time.hpp"

namespace git_gate {

namespace {

// Lines stay short enough for one atomic write to a pipe (PIPE_BUF, 4096):
// hooks of concurrent pushes write to the same one.
constexpr std::size_t kMaxListed = 16;
constexpr std::size_t kMaxRefName = 160;

}  // namespace

std::string decision_line(const PushDecision& d) {
  nlohmann::ordered_json line;
  line["time"] = bottle::utc_timestamp(true);
  line["event"] = "push";
  line["repository"] = d.repository;
  auto refs = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < d.updates.size() && i < kMaxListed; ++i) {
    const auto& u = d.updates[i];
    nlohmann::ordered_json r;
    r["ref"] = std::string(bottle::text::truncate_utf8(u.shown_name(), kMaxRefName));
    r["old"] = u.old_id;
    r["new"] = u.new_id;
    r["change"] = u.change();
    refs.push_back(std::move(r));
  }
  line["refs"] = std::move(refs);
  line["ref_count"] = d.updates.size();
  line["decision"] = d.allowed ? "allow" : "block";
  if (!d.reason.empty()) line["reason"] = d.reason;
  std::set<std::string> unique(d.rules.begin(), d.rules.end());
  auto rules = nlohmann::ordered_json::array();
  for (const auto& r : unique) {
    if (rules.size() < kMaxListed) rules.push_back(r);
  }
  line["rules"] = std::move(rules);
  line["findings"] = d.findings;
  line["objects"] = d.objects;
  line["bytes_scanned"] = d.bytes;
  if (!d.upstream.empty()) line["upstream"] = d.upstream;
  return bottle::json::dump(line);
}

void write_decision_line(const PushDecision& d) {
  const char* value = std::getenv("GIT_GATE_DECISION_FD");
  if (!value) return;
  int fd = -1;
  const char* end = value + std::string_view(value).size();
  if (std::from_chars(value, end, fd).ptr != end || fd < 3 || ::fcntl(fd, F_GETFD) < 0) return;
  const std::string text = decision_line(d) + "\n";
  while (::write(fd, text.data(), text.size()) < 0 && errno == EINTR) {
  }
}

}  // namespace git_gate
