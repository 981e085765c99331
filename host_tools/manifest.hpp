#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bottle/config/route.hpp"

namespace host_tools {

// What the agent container may use of the host (compose pids_limit,
// mem_limit and memswap_limit, cpus).
struct AgentLimits {
  int pids = 1024;
  std::string memory = "4g";  // a Docker size: digits and b, k, m or g
  std::string cpus = "2";     // a decimal number of CPUs
};

struct AgentSpec {
  std::string image;  // used as is, or the tag a Dockerfile is built as
  std::optional<std::filesystem::path> dockerfile;
  std::filesystem::path build_context;  // the Dockerfile's folder unless given
  std::filesystem::path workdir;        // host folder mounted into the agent
  std::string mount_at = "/workspace";
  std::vector<std::string> command = {"/bin/bash"};
  std::map<std::string, std::string> env;  // plain values, never tokens
  AgentLimits limits;
  // "UID" or "UID:GID", numeric and never 0, that the agent runs as; the
  // image's own user when unset.
  std::optional<std::string> user;
};

struct GitUpstream {
  std::string name;               // the repository's name at git-gate
  std::string url;                // where clean pushes are forwarded
  std::filesystem::path ssh_key;  // the host's key, copied into the bundle's git-gate folder
  std::filesystem::path known_hosts;
};

// pipelock's TLS interception (docs/pipelock.md): off unless asked for;
// passthrough hosts keep a plain tunnel (clients that pin certificates).
struct TlsInterceptionSpec {
  bool enabled = false;
  std::vector<std::string> passthrough_domains;
};

struct BottleSpec {
  std::string name;  // also the slug used in every Docker name
  AgentSpec agent;
  std::vector<std::string> allowlist;
  std::vector<bottle::config::Route> routes;
  std::vector<GitUpstream> git;
  // The operator's gitleaks configuration for git-gate (one self-contained
  // .toml; `[extend] useDefault` extends the shipped rules); the shipped
  // rules when unset.
  std::optional<std::filesystem::path> git_rules;
  bool supervise = true;
  // The egress network's subnet, when the operator picks it (one that clashes
  // with nothing of theirs); Docker's choice otherwise.
  std::optional<std::string> egress_subnet;
  // CA certificates egress trusts for route upstreams besides the system's.
  std::vector<std::filesystem::path> egress_ca_files;
  TlsInterceptionSpec tls_interception;

  // Host variables whose values the bundle needs (one per distinct token_env).
  std::vector<std::string> token_variables() const;
};

struct Manifest {
  std::filesystem::path path;
  std::vector<BottleSpec> bottles;

  // The bottle called `name`, or the only one when `name` is empty; throws
  // ConfigError listing the bottles otherwise.
  const BottleSpec& select(const std::string& name) const;
};

// Parses and checks a manifest. Relative paths are taken from the manifest's
// folder and '~/' from $HOME. Throws bottle::config::ConfigError naming the
// file, line and key.
Manifest parse_manifest(const std::filesystem::path& path);
Manifest parse_manifest_text(const std::string& text, const std::filesystem::path& path);

}  // namespace host_tools
