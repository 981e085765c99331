#include "bottle/utc_time.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace bottle {

std::string utc_timestamp(bool with_millis) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char seconds[32];
  std::strftime(seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &tm);
  if (!with_millis) return std::string(seconds) + "Z";
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", seconds, static_cast<int>(ms));
  return out;
}

}  // namespace bottle
