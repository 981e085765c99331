#pragma once

#include <string>

namespace bottle {

// Now, as ISO 8601 UTC: "2026-11-22T19:43:15Z", or with milliseconds
// "2026-11-22T19:43:15.582Z". For log lines, audit lines and metadata.
std::string utc_timestamp(bool with_millis = false);

}  // namespace bottle
