#include "yaml_text.hpp"

#include "bottle/config/config_error.hpp"

namespace host_tools {

std::string emit_yaml(const YAML::Node& root, const std::string& header_comment) {
  YAML::Emitter out;
  out << YAML::Comment("Written by the bottle host tool: " + header_comment) << YAML::Newline;
  out << root;
  return std::string(out.c_str()) + "\n";
}

YAML::Node load_yaml(const std::string& text, const std::string& source) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw bottle::config::ConfigError(source + ":" + std::to_string(e.mark.line + 1) + ": " +
                                      e.msg);
  }
}

}  // namespace host_tools
