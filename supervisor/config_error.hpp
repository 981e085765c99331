#pragma once

#include "bottle/config/config_error.hpp"

namespace supervisor {

// A configuration mistake the operator must fix; the supervisor exits 2 on
// it. The one every component throws, with its message naming file and line.
using bottle::config::ConfigError;

}  // namespace supervisor
