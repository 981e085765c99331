#include "decision_log.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "bottle/json/safe_json.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/utc_time.hpp"

namespace pipelock {

std::string DecisionLog::format(const Decision& d, bool json) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d.duration).count();
  if (json) {
    // In the order a reader scans a line: when, who, what, verdict, why, how much.
    nlohmann::ordered_json line = {{"time", bottle::utc_timestamp(true)},
                                   {"client", d.client},
                                   {"method", d.method},
                                   {"host", d.host},
                                   {"port", d.port}};
    if (!d.path.empty()) line["path"] = d.path;
    line["decision"] = d.allowed ? "allow" : "block";
    line["reason"] = d.reason;
    if (!d.rule.empty()) line["rule"] = d.rule;
    line["bytes_to_upstream"] = d.bytes_to_upstream;
    line["bytes_to_client"] = d.bytes_to_client;
    line["duration_ms"] = ms;
    // Invalid UTF-8 replaced, never thrown on: a hostile client chooses what
    // goes in the method, the host and the path.
    return bottle::json::dump(line) + "\n";
  }
  // Every field an agent can shape goes through the terminal sanitiser.
  using bottle::text::escape_for_terminal;
  return bottle::utc_timestamp(true) + " " + (d.allowed ? "allow " : "block ") +
         escape_for_terminal(d.method) + " " + escape_for_terminal(d.host) + ":" +
         std::to_string(d.port) + escape_for_terminal(d.path) + " client=" + d.client +
         " reason=\"" + escape_for_terminal(d.reason) + "\"" +
         (d.rule.empty() ? "" : " rule=" + escape_for_terminal(d.rule)) +
         " up=" + std::to_string(d.bytes_to_upstream) +
         " down=" + std::to_string(d.bytes_to_client) + " ms=" + std::to_string(ms) + "\n";
}

void DecisionLog::record(const Decision& d) {
  if (d.allowed ? !include_allowed_ : !include_blocked_) return;
  out_.write(format(d, json_));
}

}  // namespace pipelock
