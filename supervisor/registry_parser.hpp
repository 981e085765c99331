#pragma once

#include <string>

#include "daemon_spec.hpp"

namespace supervisor {

// Parses daemons.yaml. Throws ConfigError naming the file, line, daemon and key
// for anything it does not understand: unknown keys, wrong types, missing argv.
Registry parse_registry(const std::string& yaml_text, const std::string& path);
Registry load_registry(const std::string& path);

}  // namespace supervisor
