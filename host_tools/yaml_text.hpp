#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "bottle/config/config_error.hpp"

namespace host_tools {

// YAML text with a leading comment saying who writes the file.
std::string emit_yaml(const YAML::Node& root, const std::string& header_comment);

using bottle::config::load_yaml;

}  // namespace host_tools
