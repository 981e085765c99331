#include "request_log.hpp"

#include <nlohmann/json.hpp>

#include "bottle/utc_time.hpp"

namespace egress {

std::string RequestLog::format(const RequestRecord& r) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.duration).count();
  nlohmann::ordered_json line = {{"time", bottle::utc_timestamp(true)},
                                 {"client", r.client},
                                 {"route", r.route},
                                 {"method", r.method},
                                 {"host", r.host},
                                 {"path", r.path},
                                 {"status", r.status},
                                 {"bytes_to_upstream", r.bytes_to_upstream},
                                 {"bytes_to_client", r.bytes_to_client},
                                 {"duration_ms", ms}};
  if (!r.note.empty()) line["note"] = r.note;
  // The agent chooses the method and path: replace bytes that are not UTF-8.
  return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace egress
