#include "decision_log.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

namespace pipelock {

namespace {

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

}  // namespace

std::string DecisionLog::format(const Decision& d, bool json) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d.duration).count();
  if (json) {
    // In the order a reader scans a line: when, who, what, verdict, why, how much.
    nlohmann::ordered_json line = {{"time", utc_now()},
                                   {"client", d.client},
                                   {"method", d.method},
                                   {"host", d.host},
                                   {"port", d.port},
                                   {"decision", d.allowed ? "allow" : "block"},
                                   {"reason", d.reason},
                                   {"bytes_to_upstream", d.bytes_to_upstream},
                                   {"bytes_to_client", d.bytes_to_client},
                                   {"duration_ms", ms}};
    // Replace, never throw, on bytes that are not UTF-8: a hostile client
    // chooses what goes in the method and host.
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  }
  return utc_now() + " " + (d.allowed ? "allow " : "block ") + d.method + " " + d.host + ":" +
         std::to_string(d.port) + " client=" + d.client + " reason=\"" + d.reason +
         "\" up=" + std::to_string(d.bytes_to_upstream) +
         " down=" + std::to_string(d.bytes_to_client) + " ms=" + std::to_string(ms) + "\n";
}

void DecisionLog::record(const Decision& d) {
  if (d.allowed ? !include_allowed_ : !include_blocked_) return;
  out_.write(format(d, json_));
}

}  // namespace pipelock
