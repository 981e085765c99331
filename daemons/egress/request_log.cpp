#include "request_log.hpp"

#include <nlohmann/json.hpp>

#include "bottle/json/safe_json.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/utc_time.hpp"

namespace egress {

namespace {

std::string shown(const std::string& s) { return bottle::text::escape_for_terminal(s); }

}  // namespace

std::string RequestLog::format(const RequestRecord& r) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.duration).count();
  nlohmann::ordered_json line = {{"time", bottle::utc_timestamp(true)},
                                 {"client", r.client},
                                 {"route", r.route},
                                 {"method", shown(r.method)},
                                 {"host", shown(r.host)},
                                 {"path", shown(r.path)},
                                 {"status", r.status},
                                 {"bytes_to_upstream", r.bytes_to_upstream},
                                 {"bytes_to_client", r.bytes_to_client},
                                 {"duration_ms", ms}};
  if (!r.note.empty()) line["note"] = shown(r.note);
  return bottle::json::dump(line) + "\n";
}

std::string RequestLog::format(const RedactionRecord& r) {
  nlohmann::ordered_json found = nlohmann::ordered_json::array();
  for (const auto& where : r.found_in) found.push_back(shown(where));
  nlohmann::ordered_json line = {
      {"time", bottle::utc_timestamp(true)},
      {"client", r.client},
      {"route", r.route},
      {"method", shown(r.method)},
      {"host", shown(r.host)},
      {"path", shown(r.path)},
      {"decision", "redact"},
      {"reason", "the upstream sent the route's token back; replaced before the agent got it"},
      {"found_in", found},
      {"forms", r.forms},
      {"replaced", r.replaced}};
  return bottle::json::dump(line) + "\n";
}

}  // namespace egress
