#include "sidecar_configs.hpp"

#include <yaml-cpp/yaml.h>

#include "yaml_text.hpp"

namespace host_tools {

std::string git_key_dir_in_bundle(const std::string& name) {
  return std::string(in_bundle::kGitKeysDir) + "/" + name;
}

std::string render_git_gate_config(const BottleSpec& bottle) {
  YAML::Node root;
  root["listen"] = "0.0.0.0:" + std::to_string(in_bundle::kGitGatePort);
  root["repositories_dir"] = "/var/lib/bottle/git-gate";
  // The operator's gitleaks config, copied beside this file by `bottle start`.
  if (bottle.git_rules) root["rules"] = std::string(kGitRulesFile);
  root["upstreams"] = YAML::Node(YAML::NodeType::Sequence);
  for (const auto& g : bottle.git) {
    YAML::Node u;
    u["name"] = g.name;
    u["upstream"] = g.url;
    u["ssh_key"] = git_key_dir_in_bundle(g.name) + "/ssh_key";
    u["known_hosts"] = git_key_dir_in_bundle(g.name) + "/known_hosts";
    root["upstreams"].push_back(u);
  }
  return emit_yaml(root, "git-gate's upstreams, from the manifest");
}

std::string render_supervise_config(const BottleSpec& bottle) {
  YAML::Node root;
  root["bottle"] = bottle.name;
  root["listen"] = "0.0.0.0:" + std::to_string(in_bundle::kSupervisePort);
  root["path"] = "/mcp";
  root["proposals_dir"] = in_bundle::kProposalsDir;
  root["pipelock_config"] = std::string(in_bundle::kPipelockDir) + "/pipelock.yaml";
  root["routes_config"] = std::string(in_bundle::kEgressDir) + "/routes.yaml";
  return emit_yaml(root, "supervise's settings, from the manifest");
}

std::string render_agent_gitconfig(const BottleSpec& bottle) {
  std::string out =
      "# Written by the bottle host tool: the agent's git remotes go through git-gate.\n";
  for (const auto& g : bottle.git) {
    out += "[url \"git://git-gate:" + std::to_string(in_bundle::kGitGatePort) + "/" + g.name +
           "\"]\n\tinsteadOf = " + g.url + "\n";
  }
  return out;
}

}  // namespace host_tools
