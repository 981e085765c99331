#pragma once

#include <filesystem>
#include <string>

namespace host_tools {

// Where a bottle's state lives on the host and what its Docker objects are
// called; the names follow docs/architecture.md and nothing else spells them.
class BottlePaths {
 public:
  BottlePaths(std::filesystem::path state_root, std::string slug)
      : root_(std::move(state_root)), slug_(std::move(slug)) {}

  const std::string& slug() const { return slug_; }
  const std::filesystem::path& state_root() const { return root_; }
  std::filesystem::path dir() const { return root_ / slug_; }

  // Each folder is bind-mounted whole into the sidecars container: see
  // write_file_atomically for why never a single file.
  std::filesystem::path pipelock_dir() const { return dir() / "pipelock"; }
  std::filesystem::path egress_dir() const { return dir() / "egress"; }
  std::filesystem::path git_gate_dir() const { return dir() / "git-gate"; }
  std::filesystem::path supervise_dir() const { return dir() / "supervise"; }
  std::filesystem::path proposals_dir() const { return dir() / "proposals"; }
  // What the agent may see: CA certificates (never keys) and its git config.
  std::filesystem::path agent_dir() const { return dir() / "agent"; }

  std::filesystem::path pipelock_config() const { return pipelock_dir() / "pipelock.yaml"; }
  std::filesystem::path routes_config() const { return egress_dir() / "routes.yaml"; }
  // The CAs egress trusts for upstreams besides the system's.
  std::filesystem::path upstream_ca_file() const { return egress_dir() / "upstream-ca.pem"; }
  // A copy of an upstream's ssh key and known_hosts, for git-gate.
  std::filesystem::path git_key_dir(const std::string& name) const {
    return git_gate_dir() / "keys" / name;
  }
  std::filesystem::path compose_file() const { return dir() / "docker-compose.yml"; }
  std::filesystem::path metadata_file() const { return dir() / "metadata.json"; }
  std::filesystem::path compose_log() const { return dir() / "compose.log"; }
  std::filesystem::path audit_log() const { return dir() / "audit.log"; }
  std::filesystem::path apply_lock() const { return dir() / "apply.lock"; }

  std::string project() const { return "claude-bottle-" + slug_; }
  std::string agent_container() const { return "claude-bottle-" + slug_; }
  std::string sidecars_container() const { return "claude-bottle-sidecars-" + slug_; }
  std::string internal_network() const { return "claude-bottle-" + slug_ + "-internal"; }
  std::string egress_network() const { return "claude-bottle-" + slug_ + "-egress"; }

 private:
  std::filesystem::path root_;
  std::string slug_;
};

// $BOTTLE_STATE_DIR, else $XDG_STATE_HOME/claude-bottle, else ~/.local/state/claude-bottle.
std::filesystem::path default_state_root();

// The manifest's git_rules, copied beside git-gate.yaml (host and bundle alike).
inline constexpr const char* kGitRulesFile = "rules.toml";

// Container paths, as docs/architecture.md names them.
namespace in_bundle {
inline constexpr const char* kPipelockDir = "/etc/bottle/pipelock";
inline constexpr const char* kEgressDir = "/etc/bottle/egress";
inline constexpr const char* kGitGateDir = "/etc/bottle/git-gate";
inline constexpr const char* kGitKeysDir = "/etc/bottle/git-gate/keys";
inline constexpr const char* kSuperviseDir = "/etc/bottle/supervise";
inline constexpr const char* kProposalsDir = "/var/lib/bottle/proposals";
inline constexpr const char* kAgentDir = "/etc/bottle/agent";
inline constexpr int kPipelockPort = 8888;
inline constexpr int kGitGatePort = 9418;
inline constexpr int kSupervisePort = 8765;
// The daemons' unprivileged user and group (images/Dockerfile.sidecars).
inline constexpr unsigned kDaemonUid = 990;
}  // namespace in_bundle

}  // namespace host_tools
