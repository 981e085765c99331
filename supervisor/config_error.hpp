#pragma once

#include <stdexcept>
#include <string>

namespace supervisor {

// A configuration mistake the operator must fix; the supervisor exits 2 on it.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace supervisor
