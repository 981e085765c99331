#include "gate_config.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <set>

#include "bottle/config/config_error.hpp"

namespace git_gate {

using bottle::config::ConfigError;
using bottle::config::YamlContext;

namespace {

std::string scalar(const YamlContext& ctx, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) ctx.fail(n, key, "must be a string");
  return n.Scalar();
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 100 || name.front() == '.' || name.front() == '-') return false;
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return name.find("..") == std::string::npos && !name.ends_with(".git");
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

GateConfig GateConfig::parse(const std::string& text, const std::string& source) {
  const YamlContext ctx(source);
  const YAML::Node root = bottle::config::load_yaml(text, source);
  if (!root.IsMap()) ctx.fail(root, "", "git-gate.yaml must be a mapping");
  ctx.check_keys(root, {"listen", "repositories_dir", "rules", "accepted_findings", "upstreams"});
  GateConfig cfg;
  if (const auto l = root["listen"]) {
    const std::string listen = scalar(ctx, l, "listen");
    const std::size_t colon = listen.rfind(':');
    int port = 0;
    const char* end = listen.data() + listen.size();
    if (colon == std::string::npos ||
        std::from_chars(listen.data() + colon + 1, end, port).ptr != end || port < 1 ||
        port > 65535) {
      ctx.fail(l, "listen", "'" + listen + "' must be address:port");
    }
    cfg.listen_host = listen.substr(0, colon);
    cfg.listen_port = port;
  }
  if (const auto d = root["repositories_dir"]) {
    cfg.repositories_dir = scalar(ctx, d, "repositories_dir");
    if (!cfg.repositories_dir.starts_with('/')) {
      ctx.fail(d, "repositories_dir", "must be an absolute path");
    }
  }
  // Relative paths are read beside git-gate.yaml, as the bundle mounts them together.
  const auto beside = [&](const std::string& path) {
    const std::filesystem::path p(path);
    return p.is_relative() ? (std::filesystem::path(source).parent_path() / p).string() : path;
  };
  if (const auto r = root["rules"]) {
    cfg.rules = beside(scalar(ctx, r, "rules"));
    if (!cfg.rules.ends_with(".toml")) {
      ctx.fail(r, "rules", "'" + cfg.rules + "' must be a gitleaks configuration (.toml)");
    }
  }
  if (const auto a = root["accepted_findings"]) {
    cfg.accepted_findings = beside(scalar(ctx, a, "accepted_findings"));
  }
  const YAML::Node ups = root["upstreams"];
  if (!ups) ctx.fail(root, "upstreams", "is missing");
  if (!ups.IsSequence()) ctx.fail(ups, "upstreams", "must be a list");
  std::set<std::string> names;
  int index = 0;
  for (const auto& n : ups) {
    const YamlContext uctx = ctx.within("upstream " + std::to_string(++index));
    if (!n.IsMap()) uctx.fail(n, "", "must be a mapping");
    uctx.check_keys(n, {"name", "upstream", "ssh_key", "known_hosts"});
    for (const char* required : {"name", "upstream"}) {
      if (!n[required]) uctx.fail(n, required, "is required");
    }
    GateUpstream u;
    u.name = scalar(uctx, n["name"], "name");
    if (!valid_name(u.name)) {
      uctx.fail(
          n["name"], "name",
          "'" + u.name + "' must be letters, digits, '-', '_', '.' (no '..', no .git suffix)");
    }
    if (!names.insert(u.name).second)
      uctx.fail(n["name"], "name", "'" + u.name + "' is used twice");
    u.url = scalar(uctx, n["upstream"], "upstream");
    if (u.url.empty() || u.url.starts_with('-')) {
      uctx.fail(n["upstream"], "upstream", "'" + u.url + "' is not a git URL");
    }
    if (const auto k = n["ssh_key"]) u.ssh_key = scalar(uctx, k, "ssh_key");
    if (const auto h = n["known_hosts"]) u.known_hosts = scalar(uctx, h, "known_hosts");
    if (!u.ssh_key.empty() && u.known_hosts.empty()) {
      uctx.fail(n, "known_hosts", "is required with ssh_key: the upstream's host key is checked");
    }
    cfg.upstreams.push_back(std::move(u));
  }
  return cfg;
}

GateConfig GateConfig::load(const std::string& path) {
  return parse(bottle::config::read_config_file(path), path);
}

const GateUpstream* GateConfig::find(const std::string& name) const {
  for (const auto& u : upstreams) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

std::map<std::string, std::string> upstream_environment(const GateUpstream& u) {
  std::map<std::string, std::string> env = {{"GIT_TERMINAL_PROMPT", "0"}};
  if (!u.ssh_key.empty()) {
    env["GIT_SSH_COMMAND"] =
        "ssh -i " + shell_quoted(u.ssh_key) +
        " -o IdentitiesOnly=yes -o UserKnownHostsFile=" + shell_quoted(u.known_hosts) +
        " -o StrictHostKeyChecking=yes -o BatchMode=yes";
  }
  return env;
}

}  // namespace git_gate
