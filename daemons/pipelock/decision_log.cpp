#include "decision_log.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

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
  return bottle::utc_timestamp(true) + " " + (d.allowed ? "allow " : "block ") + d.method + " " +
         d.host + ":" + std::to_string(d.port) + " client=" + d.client + " reason=\"" + d.reason +
         "\" up=" + std::to_string(d.bytes_to_upstream) +
         " down=" + std::to_string(d.bytes_to_client) + " ms=" + std::to_string(ms) + "\n";
}

void DecisionLog::record(const Decision& d) {
  if (d.allowed ? !include_allowed_ : !include_blocked_) return;
  out_.write(format(d, json_));
}

}  // namespace pipelock
