#include "yaml_text.hpp"

#include "bottle/config/config_error.hpp"

namespace host_tools {

std::string emit_yaml(const YAML::Node& root, const std::string& header_comment) {
  YAML::Emitter out;
  out << YAML::Comment("Written by the bottle host tool: " + header_comment) << YAML::Newline;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace host_tools
