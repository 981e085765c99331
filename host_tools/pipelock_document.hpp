#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "manifest.hpp"

namespace host_tools {

// The pipelock.yaml a new bottle starts with: strict mode (the only mode in
// which api_allowlist refuses anything), CONNECT enabled, and the sidecars'
// own address on the internal network (one /32, not the subnet: the gateway
// and the agent stay refused) exempt from SSRF blocking. tls_interception
// with the public pipelock's key names, the bottle's CA in the bundle's
// pipelock folder.
std::string render_pipelock_config(const std::vector<std::string>& allowlist,
                                   const std::string& sidecars_address,
                                   const TlsInterceptionSpec& tls = {});

// A live pipelock.yaml as a YAML document: the allowlist can be read and
// replaced, and every other key, known to us or not, is written back as it was.
class PipelockDocument {
 public:
  // Throws ConfigError naming `source`, the line and the key when the text does
  // not parse or its api_allowlist holds a bad host.
  static PipelockDocument parse(const std::string& text, const std::string& source);

  const std::vector<std::string>& allowlist() const { return allowlist_; }
  // Throws ConfigError when `hosts` is empty: pipelock refuses a strict config
  // with nothing allowed, and a bundle whose proxy will not start is worse.
  void set_allowlist(const std::vector<std::string>& hosts);
  std::string render() const;

 private:
  YAML::Node root_;
  std::vector<std::string> allowlist_;
};

}  // namespace host_tools
