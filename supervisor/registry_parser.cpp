#include "registry_parser.hpp"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>

#include "config_error.hpp"
#include "signal_names.hpp"

namespace supervisor {

const DaemonSpec* Registry::find(const std::string& name) const {
  for (const auto& d : daemons) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  for (const auto& d : daemons) out.push_back(d.name);
  return out;
}

namespace {

using bottle::config::YamlContext;
using Context = YamlContext;

void require_map(const Context& ctx, const YAML::Node& node, const std::string& key) {
  if (!node.IsMap()) ctx.fail(node, key, "must be a mapping");
}

// Every key must be one we know, and appear once: a typo in a security config
// must never be silently ignored. Keys inside a block are named in full
// ("restart.policy").
void check_keys(const Context& ctx, const YAML::Node& map, const std::string& where,
                const std::set<std::string>& allowed) {
  ctx.check_keys(map, allowed, false, where.empty() ? "" : where + ".");
}

std::string as_string(const Context& ctx, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) ctx.fail(node, key, "must be a string");
  return node.Scalar();
}

long long as_integer(const Context& ctx, const YAML::Node& node, const std::string& key,
                     long long min, long long max) {
  if (!node.IsScalar()) ctx.fail(node, key, "must be an integer");
  long long value = 0;
  try {
    value = node.as<long long>();
  } catch (const YAML::Exception&) {
    ctx.fail(node, key, "must be an integer, got '" + node.Scalar() + "'");
  }
  if (value < min || value > max) {
    ctx.fail(node, key,
             "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                 std::to_string(value));
  }
  return value;
}

Millis as_millis(const Context& ctx, const YAML::Node& node, const std::string& key, long long min,
                 long long max) {
  return Millis(as_integer(ctx, node, key, min, max));
}

int as_signal(const Context& ctx, const YAML::Node& node, const std::string& key) {
  auto sig = signal_from_name(as_string(ctx, node, key));
  if (!sig) ctx.fail(node, key, "unknown signal '" + node.Scalar() + "'");
  return *sig;
}

bool is_env_name(const std::string& s) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  return !s.empty() && !std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(), word);
}

// Lower case letters, digits, '-' and '_', starting with a letter; at most 32.
bool is_daemon_name(const std::string& s) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  };
  return !s.empty() && s.size() <= 32 && s[0] >= 'a' && s[0] <= 'z' &&
         std::all_of(s.begin(), s.end(), allowed);
}

RestartPolicy parse_restart(const Context& ctx, const YAML::Node& node) {
  require_map(ctx, node, "restart");
  check_keys(ctx, node, "restart",
             {"policy", "backoff_initial_ms", "backoff_max_ms", "stable_after_ms", "start_limit",
              "on_failed", "failed_retry_ms"});
  RestartPolicy p;
  if (auto n = node["policy"]) {
    const std::string v = as_string(ctx, n, "restart.policy");
    if (v == "always")
      p.mode = RestartMode::always;
    else if (v == "on-failure")
      p.mode = RestartMode::on_failure;
    else if (v == "never")
      p.mode = RestartMode::never;
    else
      ctx.fail(n, "restart.policy", "must be always, on-failure or never, got '" + v + "'");
  }
  if (auto n = node["backoff_initial_ms"]) {
    p.backoff_initial = as_millis(ctx, n, "restart.backoff_initial_ms", 1, 3'600'000);
  }
  if (auto n = node["backoff_max_ms"]) {
    p.backoff_max = as_millis(ctx, n, "restart.backoff_max_ms", 1, 3'600'000);
  }
  if (p.backoff_max < p.backoff_initial) {
    ctx.fail(node, "restart.backoff_max_ms", "must not be smaller than backoff_initial_ms");
  }
  if (auto n = node["stable_after_ms"]) {
    p.stable_after = as_millis(ctx, n, "restart.stable_after_ms", 1, 86'400'000);
  }
  if (auto n = node["start_limit"]) {
    p.start_limit = static_cast<int>(as_integer(ctx, n, "restart.start_limit", 0, 1'000'000));
  }
  if (auto n = node["on_failed"]) {
    const std::string v = as_string(ctx, n, "restart.on_failed");
    if (v == "shutdown")
      p.on_failed = FailedAction::shutdown_bundle;
    else if (v == "keep-running")
      p.on_failed = FailedAction::keep_running;
    else
      ctx.fail(n, "restart.on_failed", "must be shutdown or keep-running, got '" + v + "'");
  }
  if (auto n = node["failed_retry_ms"]) {
    p.failed_retry = as_millis(ctx, n, "restart.failed_retry_ms", 0, 86'400'000);
  }
  return p;
}

bool as_bool(const Context& ctx, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) ctx.fail(node, key, "must be true or false");
  const std::string& v = node.Scalar();
  if (v == "true") return true;
  if (v == "false") return false;
  ctx.fail(node, key, "must be true or false, got '" + v + "'");
}

// PID 1 resolves no names: hosts here are IP literals.
std::string as_ip_literal(const Context& ctx, const YAML::Node& node, const std::string& key) {
  const std::string v = as_string(ctx, node, key);
  in6_addr scratch{};
  if (inet_pton(AF_INET, v.c_str(), &scratch) != 1 && inet_pton(AF_INET6, v.c_str(), &scratch) != 1)
    ctx.fail(node, key, "must be an IPv4 or IPv6 address, got '" + v + "'");
  return v;
}

Readiness parse_readiness(const Context& ctx, const YAML::Node& node) {
  require_map(ctx, node, "readiness");
  check_keys(ctx, node, "readiness", {"tcp_port", "notify", "host", "timeout_ms"});
  Readiness r;
  const bool notify = node["notify"] && as_bool(ctx, node["notify"], "readiness.notify");
  if (notify == static_cast<bool>(node["tcp_port"])) {
    ctx.fail(node, "readiness", "needs exactly one of tcp_port or notify: true");
  }
  if (notify) {
    r.kind = Readiness::Kind::notify;
    if (node["host"]) ctx.fail(node["host"], "readiness.host", "goes with tcp_port, not notify");
  } else {
    r.tcp_port =
        static_cast<int>(as_integer(ctx, node["tcp_port"], "readiness.tcp_port", 1, 65535));
  }
  if (auto n = node["host"]) r.host = as_ip_literal(ctx, n, "readiness.host");
  if (auto n = node["timeout_ms"])
    r.timeout = as_millis(ctx, n, "readiness.timeout_ms", 1, 600'000);
  return r;
}

ListenSocket parse_listen_socket(const Context& ctx, const YAML::Node& node) {
  require_map(ctx, node, "listen_socket");
  check_keys(ctx, node, "listen_socket", {"tcp_port", "host", "backlog"});
  ListenSocket s;
  if (!node["tcp_port"]) ctx.fail(node, "listen_socket.tcp_port", "is required");
  s.tcp_port =
      static_cast<int>(as_integer(ctx, node["tcp_port"], "listen_socket.tcp_port", 1, 65535));
  if (auto n = node["host"]) s.host = as_ip_literal(ctx, n, "listen_socket.host");
  if (auto n = node["backlog"]) {
    s.backlog = static_cast<int>(as_integer(ctx, n, "listen_socket.backlog", 1, 65535));
  }
  return s;
}

std::map<int, SignalAction> parse_on_signal(const Context& ctx, const YAML::Node& node) {
  require_map(ctx, node, "on_signal");
  std::map<int, SignalAction> out;
  for (const auto& kv : node) {
    const std::string key = "on_signal." + as_string(ctx, kv.first, "on_signal");
    int sig = as_signal(ctx, kv.first, key);
    // TERM and INT mean shutdown, CHLD is the reaper's: none of them can be remapped.
    if (sig != SIGHUP && sig != SIGUSR1 && sig != SIGUSR2) {
      ctx.fail(kv.first, key, "only SIGHUP, SIGUSR1 and SIGUSR2 can be mapped to a daemon");
    }
    if (out.count(sig)) ctx.fail(kv.first, key, "appears twice");
    const std::string action = as_string(ctx, kv.second, key);
    if (action == "restart")
      out[sig] = SignalAction::restart;
    else if (action == "reload")
      out[sig] = SignalAction::reload;
    else
      ctx.fail(kv.second, key, "must be restart or reload, got '" + action + "'");
  }
  return out;
}

DaemonSpec parse_daemon(const Context& file_ctx, const YAML::Node& node, size_t index) {
  if (!node.IsMap())
    file_ctx.fail(node, "daemons[" + std::to_string(index) + "]", "must be a mapping");
  if (!node["name"])
    file_ctx.fail(node, "daemons[" + std::to_string(index) + "].name", "is required");
  DaemonSpec d;
  d.name = as_string(file_ctx, node["name"], "name");
  if (!is_daemon_name(d.name)) {
    file_ctx.fail(node["name"], "name",
                  "'" + d.name + "' is not a daemon name (lower case letters, digits, - and _)");
  }
  const Context ctx = file_ctx.within("daemon '" + d.name + "'");
  check_keys(
      ctx, node, "",
      {"name", "argv", "env", "inherit_env", "workdir", "user", "reload_signal", "stop_signal",
       "stop_timeout_ms", "restart", "readiness", "on_signal", "listen_socket"});

  const YAML::Node argv = node["argv"];
  if (!argv) ctx.fail(node, "argv", "is required");
  if (!argv.IsSequence() || argv.size() == 0) ctx.fail(argv, "argv", "must be a non-empty list");
  for (const auto& a : argv) d.argv.push_back(as_string(ctx, a, "argv"));
  if (d.argv.front().empty()) ctx.fail(argv, "argv", "the program must not be empty");

  if (auto env = node["env"]) {
    require_map(ctx, env, "env");
    for (const auto& kv : env) {
      const std::string k = as_string(ctx, kv.first, "env");
      if (!is_env_name(k)) ctx.fail(kv.first, "env." + k, "is not a variable name");
      if (d.env.count(k)) ctx.fail(kv.first, "env." + k, "appears twice");
      d.env[k] = as_string(ctx, kv.second, "env." + k);
    }
  }
  if (auto inherit = node["inherit_env"]) {
    if (!inherit.IsSequence()) ctx.fail(inherit, "inherit_env", "must be a list of variable names");
    for (const auto& n : inherit) {
      const std::string k = as_string(ctx, n, "inherit_env");
      const bool prefix = !k.empty() && k.back() == '*';
      if (!is_env_name(prefix ? k.substr(0, k.size() - 1) : k)) {
        ctx.fail(n, "inherit_env", "'" + k + "' is not a variable name or a NAME_PREFIX_*");
      }
      d.inherit_env.push_back(k);
    }
  }
  if (auto n = node["workdir"]) {
    d.workdir = as_string(ctx, n, "workdir");
    if (d.workdir.empty() || d.workdir.front() != '/') {
      ctx.fail(n, "workdir", "must be an absolute path, got '" + d.workdir + "'");
    }
  }
  if (auto n = node["user"]) d.user = as_string(ctx, n, "user");
  if (auto n = node["reload_signal"]) d.reload_signal = as_signal(ctx, n, "reload_signal");
  if (auto n = node["stop_signal"]) d.stop_signal = as_signal(ctx, n, "stop_signal");
  if (auto n = node["stop_timeout_ms"]) {
    d.stop_timeout = as_millis(ctx, n, "stop_timeout_ms", 1, 600'000);
  }
  if (auto n = node["restart"]) d.restart = parse_restart(ctx, n);
  if (auto n = node["readiness"]) d.readiness = parse_readiness(ctx, n);
  if (auto n = node["on_signal"]) d.on_signal = parse_on_signal(ctx, n);
  if (auto n = node["listen_socket"]) d.listen_socket = parse_listen_socket(ctx, n);
  if (d.listen_socket && d.readiness && d.readiness->kind == Readiness::Kind::tcp_port &&
      d.readiness->tcp_port == d.listen_socket->tcp_port) {
    // The supervisor's own socket always accepts, whatever the daemon is doing.
    ctx.fail(node["readiness"], "readiness.tcp_port",
             "cannot tell readiness on the port the supervisor listens on for this daemon; use "
             "readiness: {notify: true}");
  }
  return d;
}

}  // namespace

Registry parse_registry(const std::string& yaml_text, const std::string& path) {
  const Context ctx(path);
  const YAML::Node root = bottle::config::load_yaml(yaml_text, path);
  if (!root.IsMap()) ctx.fail(root, "", "must be a mapping with a 'daemons' list");
  check_keys(ctx, root, "", {"version", "daemons"});
  if (auto v = root["version"]) as_integer(ctx, v, "version", 1, 1);
  const YAML::Node list = root["daemons"];
  if (!list) ctx.fail(root, "daemons", "is required");
  if (!list.IsSequence() || list.size() == 0) ctx.fail(list, "daemons", "must be a non-empty list");

  Registry reg;
  reg.path = path;
  for (size_t i = 0; i < list.size(); ++i) {
    DaemonSpec d = parse_daemon(ctx, list[i], i);
    if (reg.find(d.name) != nullptr)
      ctx.fail(list[i]["name"], "name", "'" + d.name + "' appears twice");
    for (const auto& other : reg.daemons) {
      if (d.listen_socket && other.listen_socket &&
          d.listen_socket->tcp_port == other.listen_socket->tcp_port) {
        ctx.within("daemon '" + d.name + "'")
            .fail(list[i]["listen_socket"], "listen_socket.tcp_port",
                  "port " + std::to_string(d.listen_socket->tcp_port) +
                      " is already the listen_socket of daemon '" + other.name + "'");
      }
    }
    reg.daemons.push_back(std::move(d));
  }
  return reg;
}

Registry load_registry(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot read the daemon registry");
  std::stringstream text;
  text << in.rdbuf();
  return parse_registry(text.str(), path);
}

}  // namespace supervisor
