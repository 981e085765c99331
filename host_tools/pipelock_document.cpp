#include "pipelock_document.hpp"

#include "bottle/config/config_error.hpp"
#include "bottle/config/hostname_rules.hpp"
#include "bottle_paths.hpp"
#include "yaml_text.hpp"

namespace host_tools {

using bottle::config::ConfigError;

std::string render_pipelock_config(const std::vector<std::string>& allowlist,
                                   const std::string& sidecars_address,
                                   const TlsInterceptionSpec& spec) {
  YAML::Node root;
  root["version"] = 1;
  root["mode"] = "strict";
  root["api_allowlist"] = YAML::Node(YAML::NodeType::Sequence);
  for (const auto& h : allowlist) root["api_allowlist"].push_back(h);
  root["fetch_proxy"]["listen"] = "0.0.0.0:" + std::to_string(in_bundle::kPipelockPort);
  root["forward_proxy"]["enabled"] = true;
  root["forward_proxy"]["max_tunnel_seconds"] = 300;
  root["forward_proxy"]["idle_timeout_seconds"] = 120;
  // The bundle's own address on the agent's network, and nothing else of it:
  // the gateway and the agent stay internal addresses pipelock refuses.
  root["ssrf"]["ip_allowlist"].push_back(sidecars_address + "/32");
  YAML::Node tls = root["tls_interception"];
  tls["enabled"] = spec.enabled;
  tls["ca_cert"] = std::string(in_bundle::kPipelockDir) + "/ca.pem";
  tls["ca_key"] = std::string(in_bundle::kPipelockDir) + "/ca-key.pem";
  tls["passthrough_domains"] = YAML::Node(YAML::NodeType::Sequence);
  for (const auto& h : spec.passthrough_domains) tls["passthrough_domains"].push_back(h);
  YAML::Node logging = root["logging"];
  logging["format"] = "json";
  logging["output"] = "stdout";
  logging["include_allowed"] = true;
  logging["include_blocked"] = true;
  return emit_yaml(root, "pipelock's configuration; change the allowlist with `bottle pipelock`");
}

PipelockDocument PipelockDocument::parse(const std::string& text, const std::string& source) {
  const bottle::config::YamlContext ctx(source);
  PipelockDocument doc;
  doc.root_ = load_yaml(text, source);
  if (!doc.root_.IsMap()) ctx.fail(doc.root_, "", "pipelock.yaml must be a mapping");
  const YAML::Node list = doc.root_["api_allowlist"];
  if (!list) ctx.fail(doc.root_, "api_allowlist", "is missing");
  if (!list.IsSequence()) ctx.fail(list, "api_allowlist", "must be a list of hostnames");
  for (const auto& item : list) {
    if (!item.IsScalar()) ctx.fail(item, "api_allowlist", "must hold hostnames");
    doc.allowlist_.push_back(bottle::config::checked_hostname(
        ctx, item, "api_allowlist", item.Scalar(), bottle::config::Wildcards::kAllowed));
  }
  return doc;
}

void PipelockDocument::set_allowlist(const std::vector<std::string>& hosts) {
  if (hosts.empty()) {
    throw ConfigError(
        "the allowlist cannot be empty: pipelock refuses a strict config with nothing allowed "
        "(stop the bottle to cut it off)");
  }
  YAML::Node list(YAML::NodeType::Sequence);
  for (const auto& h : hosts) list.push_back(h);
  root_["api_allowlist"] = list;
  allowlist_ = hosts;
}

std::string PipelockDocument::render() const {
  return emit_yaml(root_, "pipelock's configuration; change the allowlist with `bottle pipelock`");
}

}  // namespace host_tools
