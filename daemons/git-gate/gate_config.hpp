#pragma once

#include <map>
#include <string>
#include <vector>

namespace git_gate {

// One repository the bottle declares: served to the agent as `name`, kept in
// step with `url`, reached with the host's key (for ssh URLs).
struct GateUpstream {
  std::string name;
  std::string url;
  std::string ssh_key;      // "" for upstreams that need none (file://, tests)
  std::string known_hosts;  // required with ssh_key: host keys are always checked
};

// git-gate.yaml, as the host tool renders it.
struct GateConfig {
  std::string listen_host = "0.0.0.0";
  int listen_port = 9418;
  std::string repositories_dir = "/var/lib/bottle/git-gate";
  // A gitleaks configuration (TOML) to scan with instead of the shipped
  // rules; with `[extend] useDefault = true` it adds to them. "" = shipped.
  std::string rules;
  // Findings the operator accepted: one fingerprint per line, as gitleaks'
  // .gitleaksignore holds them. "" = none.
  std::string accepted_findings;
  std::vector<GateUpstream> upstreams;

  // Throws bottle::config::ConfigError naming the file, line and key.
  static GateConfig parse(const std::string& text, const std::string& source);
  static GateConfig load(const std::string& path);
  const GateUpstream* find(const std::string& name) const;
  std::string repository(const GateUpstream& u) const {
    return repositories_dir + "/" + u.name + ".git";
  }
};

// The environment git needs to talk to `u`: GIT_SSH_COMMAND with the host's
// key and known_hosts and strict host key checking, never a prompt. The key's
// path is shell-quoted (git runs the command through a shell); its content is
// never read here.
std::map<std::string, std::string> upstream_environment(const GateUpstream& u);

}  // namespace git_gate
