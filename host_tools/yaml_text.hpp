#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace host_tools {

// YAML text with a leading comment saying who writes the file.
std::string emit_yaml(const YAML::Node& root, const std::string& header_comment);

// Parses YAML text; a syntax error becomes a ConfigError with `source:line`.
YAML::Node load_yaml(const std::string& text, const std::string& source);

}  // namespace host_tools
