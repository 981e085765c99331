#include "dashboard_data.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "bottle/config/config_error.hpp"
#include "bottle/json/safe_json.hpp"
#include "bottle/proposals/proposal_store.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle_metadata.hpp"
#include "bottle_paths.hpp"

namespace host_tools {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxAuditTailBytes = 256 * 1024;

std::string safe(std::string_view s) { return bottle::text::escape_for_terminal(s); }

}  // namespace

std::vector<BottleRow> load_bottles(const fs::path& state_root) {
  std::vector<BottleRow> rows;
  std::error_code ec;
  if (!fs::is_directory(state_root, ec)) return rows;
  for (const auto& entry : fs::directory_iterator(state_root, ec)) {
    if (!entry.is_directory(ec)) continue;
    BottleRow row;
    row.slug = entry.path().filename().string();
    try {
      const auto meta = read_metadata(entry.path() / "metadata.json");
      if (!meta) continue;
      row.project = meta->project;
      row.sidecars_container = meta->sidecars_container;
      row.state = meta->state;
      row.started_at = meta->started_at;
    } catch (const std::exception& e) {
      row.state = "unreadable";
      row.problem = safe(e.what());
    }
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(),
            [](const BottleRow& a, const BottleRow& b) { return a.slug < b.slug; });
  return rows;
}

std::vector<ProposalRow> load_pending(const fs::path& state_root,
                                      const std::vector<BottleRow>& bottles,
                                      std::size_t& unreadable) {
  std::vector<ProposalRow> rows;
  unreadable = 0;
  for (const auto& b : bottles) {
    if (b.state == "unreadable") continue;
    const BottlePaths paths(state_root, b.slug);
    std::error_code ec;
    if (!fs::is_directory(paths.proposals_dir(), ec)) continue;
    try {
      bottle::proposals::ProposalStore(paths.proposals_dir())
          .for_each([&](const bottle::proposals::ListedProposal& entry) {
            if (!entry.proposal) {
              ++unreadable;
              return;
            }
            if (entry.proposal->state != bottle::proposals::State::kPending) return;
            rows.push_back({b.slug, *entry.proposal});
          });
    } catch (const std::exception&) {
      ++unreadable;
    }
  }
  // Ids sort by creation time: newest first.
  std::sort(rows.begin(), rows.end(), [](const ProposalRow& a, const ProposalRow& b) {
    return a.proposal.id != b.proposal.id ? a.proposal.id > b.proposal.id : a.slug < b.slug;
  });
  return rows;
}

std::optional<std::vector<DaemonRow>> read_status(std::string_view json) {
  nlohmann::json j;
  try {
    j = bottle::json::parse(json, 8);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!j.is_object() || !j.contains("daemons") || !j["daemons"].is_array()) return std::nullopt;
  std::vector<DaemonRow> rows;
  auto text = [](const nlohmann::json& d, const char* key) -> std::string {
    if (!d.contains(key) || d[key].is_null()) return "-";
    const auto& v = d[key];
    return safe(v.is_string() ? v.get<std::string>() : v.dump());
  };
  for (const auto& d : j["daemons"]) {
    if (!d.is_object()) continue;
    DaemonRow r;
    r.name = text(d, "name");
    r.state = text(d, "state");
    r.pid = text(d, "pid");
    r.restarts = text(d, "restarts");
    r.last_exit = text(d, "last_exit");
    if (d.contains("uptime_ms") && d["uptime_ms"].is_number_unsigned()) {
      r.uptime = short_duration(std::chrono::seconds(d["uptime_ms"].get<std::uint64_t>() / 1000));
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<std::string> audit_tail(const fs::path& file, std::size_t count) {
  std::vector<std::string> lines;
  std::ifstream in(file, std::ios::binary);
  if (!in) return lines;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - kMaxAuditTailBytes);
  in.seekg(from);
  std::string text(static_cast<std::size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  std::vector<std::string_view> all;
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    all.push_back(rest.substr(0, nl));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  // A tail cut from a longer file starts inside a line: that piece is left out.
  const std::size_t first = from > 0 && !all.empty() ? 1 : 0;
  for (std::size_t i = all.size(); i > first && lines.size() < count; --i) {
    if (!all[i - 1].empty()) lines.push_back(safe(all[i - 1]));
  }
  return lines;
}

std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text) {
  std::tm tm{};
  const std::string s(text.substr(0, 20));
  const char* end = ::strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return std::chrono::system_clock::from_time_t(::timegm(&tm));
}

std::string short_duration(std::chrono::seconds d) {
  const long s = static_cast<long>(d.count());
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", s);
  }
  return buf;
}

}  // namespace host_tools
