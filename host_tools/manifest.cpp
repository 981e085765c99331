#include "manifest.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "bottle/config/atomic_file.hpp"
#include "bottle/config/config_error.hpp"
#include "bottle/config/hostname_rules.hpp"
#include "yaml_text.hpp"

namespace host_tools {

using bottle::config::ConfigError;
using bottle::config::YamlContext;

namespace {

std::string scalar(const YamlContext& ctx, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar() || node.Scalar().empty()) ctx.fail(node, key, "must be a non-empty string");
  return node.Scalar();
}

std::vector<std::string> string_list(const YamlContext& ctx, const YAML::Node& node,
                                     const std::string& key) {
  if (!node.IsSequence()) ctx.fail(node, key, "must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : node) out.push_back(scalar(ctx, item, key));
  return out;
}

bool boolean(const YamlContext& ctx, const YAML::Node& node, const std::string& key) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    ctx.fail(node, key, "must be true or false");
  }
  return value;
}

std::filesystem::path host_path(const std::filesystem::path& base, const std::string& text) {
  if (text == "~" || text.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    if (home) return std::filesystem::path(home) / text.substr(text.size() > 1 ? 2 : 1);
  }
  std::filesystem::path p(text);
  return (p.is_absolute() ? p : base / p).lexically_normal();
}

bool is_env_name(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '_') return false;
  }
  return true;
}

// a.b.c.d/n with every part in range; Docker checks the rest (host bits, clashes).
bool is_ipv4_cidr(const std::string& s) {
  unsigned a, b, c, d, n;
  char tail;
  if (std::sscanf(s.c_str(), "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &n, &tail) != 5) return false;
  return a < 256 && b < 256 && c < 256 && d < 256 && n >= 8 && n <= 30 &&
         s.find_first_not_of("0123456789./") == std::string::npos;
}

bool is_slug(const std::string& s) {
  if (s.empty() || s.size() > 40 || s.front() == '-' || s.back() == '-') return false;
  for (unsigned char c : s) {
    if (!std::islower(c) && !std::isdigit(c) && c != '-') return false;
  }
  return true;
}

// Sizes as Docker reads them: digits then b, k, m or g; at least 64m, since a
// smaller limit only makes the agent's tools fail in confusing ways.
bool is_memory_size(const std::string& s, long long* bytes) {
  if (s.size() < 2) return false;
  const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(s.back())));
  const std::string digits = s.substr(0, s.size() - 1);
  if (digits.empty() || digits.size() > 12 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const long long n = std::stoll(digits);
  const long long scale = unit == 'b'   ? 1
                          : unit == 'k' ? 1LL << 10
                          : unit == 'm' ? 1LL << 20
                          : unit == 'g' ? 1LL << 30
                                        : 0;
  if (scale == 0) return false;
  *bytes = n * scale;
  return true;
}

AgentLimits parse_limits(const YamlContext& ctx, const YAML::Node& node) {
  if (!node.IsMap()) ctx.fail(node, "agent.limits", "must be a mapping of pids, memory, cpus");
  ctx.check_keys(node, {"pids", "memory", "cpus"});
  AgentLimits limits;
  if (node["pids"]) {
    const std::string v = scalar(ctx, node["pids"], "agent.limits.pids");
    if (v.empty() || v.size() > 7 || v.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(v) < 32) {
      ctx.fail(node["pids"], "agent.limits.pids",
               "'" + v + "' must be a whole number of processes, at least 32");
    }
    limits.pids = std::stoi(v);
  }
  if (node["memory"]) {
    limits.memory = scalar(ctx, node["memory"], "agent.limits.memory");
    long long bytes = 0;
    if (!is_memory_size(limits.memory, &bytes) || bytes < (64LL << 20)) {
      ctx.fail(node["memory"], "agent.limits.memory",
               "'" + limits.memory + "' must be a size such as 4g or 512m, at least 64m");
    }
  }
  if (node["cpus"]) {
    limits.cpus = scalar(ctx, node["cpus"], "agent.limits.cpus");
    char* end = nullptr;
    const double cpus = std::strtod(limits.cpus.c_str(), &end);
    if (limits.cpus.empty() || *end != '\0' || !(cpus >= 0.1 && cpus <= 1024) ||
        limits.cpus.find_first_not_of("0123456789.") != std::string::npos) {
      ctx.fail(node["cpus"], "agent.limits.cpus",
               "'" + limits.cpus + "' must be a number of CPUs such as 2 or 1.5");
    }
  }
  return limits;
}

// Numeric only: a name would be resolved in the image, where "root" or a
// uid-0 alias could hide; and never 0, user or group, since the agent has no
// business being root (Claude Code refuses to skip its prompts as root).
std::string parse_user(const YamlContext& ctx, const YAML::Node& node) {
  const std::string v = scalar(ctx, node, "agent.user");
  const auto colon = v.find(':');
  auto id_ok = [](const std::string& id) {
    return !id.empty() && id.size() <= 9 && id.find_first_not_of("0123456789") == std::string::npos;
  };
  const std::string uid = v.substr(0, colon);
  const std::string gid = colon == std::string::npos ? "" : v.substr(colon + 1);
  if (!id_ok(uid) || (colon != std::string::npos && !id_ok(gid))) {
    ctx.fail(node, "agent.user", "'" + v + "' must be a numeric UID or UID:GID, such as 1000:1000");
  }
  if (std::stoul(uid) == 0 || (!gid.empty() && std::stoul(gid) == 0)) {
    ctx.fail(node, "agent.user", "'" + v + "' is root's: the agent runs unprivileged");
  }
  return v;
}

AgentSpec parse_agent(const YamlContext& ctx, const YAML::Node& node,
                      const std::filesystem::path& base, const std::string& bottle) {
  ctx.check_keys(node, {"image", "dockerfile", "context", "workdir", "mount_at", "command", "env",
                        "limits", "user"});
  AgentSpec agent;
  if (node["dockerfile"]) {
    agent.dockerfile = host_path(base, scalar(ctx, node["dockerfile"], "agent.dockerfile"));
    agent.build_context = node["context"]
                              ? host_path(base, scalar(ctx, node["context"], "agent.context"))
                              : agent.dockerfile->parent_path();
    agent.image = "claude-bottle-agent-" + bottle + ":latest";
  } else if (node["context"]) {
    ctx.fail(node["context"], "agent.context", "only makes sense with agent.dockerfile");
  }
  if (node["image"]) agent.image = scalar(ctx, node["image"], "agent.image");
  if (agent.image.empty()) ctx.fail(node, "agent", "needs an image or a dockerfile");
  if (!node["workdir"])
    ctx.fail(node, "agent.workdir", "is required (the folder the agent works in)");
  agent.workdir = host_path(base, scalar(ctx, node["workdir"], "agent.workdir"));
  if (node["mount_at"]) {
    agent.mount_at = scalar(ctx, node["mount_at"], "agent.mount_at");
    if (!agent.mount_at.starts_with('/')) {
      ctx.fail(node["mount_at"], "agent.mount_at", "must be an absolute path in the container");
    }
  }
  if (node["command"]) {
    agent.command = string_list(ctx, node["command"], "agent.command");
    if (agent.command.empty()) ctx.fail(node["command"], "agent.command", "must not be empty");
  }
  if (const YAML::Node env = node["env"]) {
    if (!env.IsMap()) ctx.fail(env, "agent.env", "must be a mapping of NAME: value");
    for (const auto& kv : env) {
      const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const std::string key = "agent.env." + name;
      if (!is_env_name(name)) ctx.fail(kv.first, key, "is not an environment variable name");
      std::string upper;
      for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (upper == "HTTP_PROXY" || upper == "HTTPS_PROXY" || upper == "NO_PROXY") {
        ctx.fail(kv.first, key, "is set by the bottle (the agent's way out is pipelock)");
      }
      if (!kv.second.IsScalar()) ctx.fail(kv.second, key, "must be a string");
      if (!agent.env.emplace(name, kv.second.Scalar()).second) {
        ctx.fail(kv.first, key, "appears twice");
      }
    }
  }
  if (node["limits"]) agent.limits = parse_limits(ctx, node["limits"]);
  if (node["user"]) agent.user = parse_user(ctx, node["user"]);
  return agent;
}

std::vector<std::string> parse_allowlist(const YamlContext& ctx, const YAML::Node& node) {
  if (!node.IsSequence()) ctx.fail(node, "allowlist", "must be a list of hostnames");
  std::vector<std::string> hosts;
  std::set<std::string> seen;
  for (const auto& item : node) {
    const std::string host =
        bottle::config::checked_hostname(ctx, item, "allowlist", scalar(ctx, item, "allowlist"),
                                         bottle::config::Wildcards::kAllowed);
    if (seen.insert(host).second) hosts.push_back(host);
  }
  if (hosts.empty()) ctx.fail(node, "allowlist", "must name at least one host");
  return hosts;
}

std::vector<GitUpstream> parse_git(const YamlContext& ctx, const YAML::Node& node,
                                   const std::filesystem::path& base) {
  if (!node.IsSequence()) ctx.fail(node, "git", "must be a list of upstreams");
  std::vector<GitUpstream> out;
  std::set<std::string> names;
  for (const auto& item : node) {
    ctx.check_keys(item, {"name", "upstream", "ssh_key", "known_hosts"});
    for (const char* key : {"name", "upstream", "ssh_key", "known_hosts"}) {
      if (!item[key]) ctx.fail(item, std::string("git.") + key, "is required");
    }
    GitUpstream g;
    g.name = scalar(ctx, item["name"], "git.name");
    bool ok = !g.name.empty() && g.name.front() != '.' && g.name.front() != '-';
    for (unsigned char c : g.name) ok = ok && (std::isalnum(c) || c == '-' || c == '_' || c == '.');
    if (!ok)
      ctx.fail(item["name"], "git.name", "'" + g.name + "' must be letters, digits, '-', '_', '.'");
    if (!names.insert(g.name).second)
      ctx.fail(item["name"], "git.name", "'" + g.name + "' appears twice");
    g.url = scalar(ctx, item["upstream"], "git.upstream");
    g.ssh_key = host_path(base, scalar(ctx, item["ssh_key"], "git.ssh_key"));
    g.known_hosts = host_path(base, scalar(ctx, item["known_hosts"], "git.known_hosts"));
    out.push_back(std::move(g));
  }
  return out;
}

BottleSpec parse_bottle(const YamlContext& file_ctx, const std::string& name,
                        const YAML::Node& key_node, const YAML::Node& node,
                        const std::filesystem::path& base) {
  if (!is_slug(name)) {
    file_ctx.fail(key_node, "bottles." + name,
                  "a bottle's name must be 1-40 lower-case letters, digits and '-' (it names "
                  "its containers and networks)");
  }
  const YamlContext ctx = file_ctx.within("bottle '" + name + "'");
  ctx.check_keys(node, {"agent", "allowlist", "routes", "git", "git_rules", "supervise",
                        "egress_subnet", "egress_ca_files", "tls_interception"});
  BottleSpec b;
  b.name = name;
  if (!node["agent"]) ctx.fail(node, "agent", "is required");
  b.agent = parse_agent(ctx, node["agent"], base, name);
  if (!node["allowlist"])
    ctx.fail(node, "allowlist", "is required (pipelock refuses everything else)");
  b.allowlist = parse_allowlist(ctx, node["allowlist"]);
  if (node["routes"]) {
    b.routes =
        bottle::config::parse_routes(ctx, node["routes"], bottle::config::UnknownKeys::kRefuse);
  }
  if (node["git"]) b.git = parse_git(ctx, node["git"], base);
  if (node["git_rules"]) {
    b.git_rules = host_path(base, scalar(ctx, node["git_rules"], "git_rules"));
    if (b.git.empty()) {
      ctx.fail(node["git_rules"], "git_rules",
               "only makes sense with git repositories (key 'git')");
    }
    if (b.git_rules->extension() != ".toml") {
      ctx.fail(node["git_rules"], "git_rules",
               "'" + b.git_rules->string() + "' must be a gitleaks configuration (.toml)");
    }
  }
  if (node["supervise"]) b.supervise = boolean(ctx, node["supervise"], "supervise");
  if (node["egress_subnet"]) {
    b.egress_subnet = scalar(ctx, node["egress_subnet"], "egress_subnet");
    if (!is_ipv4_cidr(*b.egress_subnet)) {
      ctx.fail(node["egress_subnet"], "egress_subnet",
               "'" + *b.egress_subnet + "' is not an IPv4 subnet such as 198.51.100.0/24");
    }
  }
  if (node["egress_ca_files"]) {
    for (const auto& f : string_list(ctx, node["egress_ca_files"], "egress_ca_files")) {
      b.egress_ca_files.push_back(host_path(base, f));
    }
  }
  if (const YAML::Node t = node["tls_interception"]) {
    if (!t.IsMap())
      ctx.fail(t, "tls_interception", "must be a mapping (enabled, passthrough_domains)");
    ctx.check_keys(t, {"enabled", "passthrough_domains"}, false, "tls_interception.");
    if (t["enabled"])
      b.tls_interception.enabled = boolean(ctx, t["enabled"], "tls_interception.enabled");
    if (const YAML::Node list = t["passthrough_domains"]) {
      if (!list.IsSequence()) {
        ctx.fail(list, "tls_interception.passthrough_domains", "must be a list of hostnames");
      }
      for (const auto& item : list) {
        b.tls_interception.passthrough_domains.push_back(bottle::config::checked_hostname(
            ctx, item, "tls_interception.passthrough_domains",
            scalar(ctx, item, "tls_interception.passthrough_domains"),
            bottle::config::Wildcards::kAllowed));
      }
    }
  }
  return b;
}

}  // namespace

std::vector<std::string> BottleSpec::token_variables() const {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (const auto& r : routes) {
    if (seen.insert(r.token_env).second) out.push_back(r.token_env);
  }
  return out;
}

const BottleSpec& Manifest::select(const std::string& name) const {
  std::string names;
  for (const auto& b : bottles) {
    if (b.name == name || (name.empty() && bottles.size() == 1)) return b;
    names += (names.empty() ? "" : ", ") + b.name;
  }
  if (name.empty()) {
    throw ConfigError(path.string() + ": declares several bottles (" + names + "); name one");
  }
  throw ConfigError(path.string() + ": no bottle named '" + name + "' (it declares: " + names +
                    ")");
}

Manifest parse_manifest_text(const std::string& text, const std::filesystem::path& path) {
  const YamlContext ctx(path.string());
  const YAML::Node root = load_yaml(text, path.string());
  if (!root.IsMap()) ctx.fail(root, "", "a manifest is a mapping with a 'bottles' key");
  ctx.check_keys(root, {"bottles"});
  const YAML::Node bottles = root["bottles"];
  if (!bottles || !bottles.IsMap() || bottles.size() == 0) {
    ctx.fail(bottles ? bottles : root, "bottles", "must map each bottle's name to its settings");
  }
  Manifest m;
  m.path = path;
  std::set<std::string> names;
  const auto base = std::filesystem::absolute(path).parent_path();
  for (const auto& kv : bottles) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!names.insert(name).second) ctx.fail(kv.first, "bottles." + name, "appears twice");
    m.bottles.push_back(parse_bottle(ctx, name, kv.first, kv.second, base));
  }
  return m;
}

Manifest parse_manifest(const std::filesystem::path& path) {
  std::string text;
  try {
    text = bottle::config::read_file(path);
  } catch (const std::system_error& e) {
    throw ConfigError(std::string(e.what()));
  }
  return parse_manifest_text(text, path);
}

}  // namespace host_tools
