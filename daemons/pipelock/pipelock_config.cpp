#include "pipelock_config.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <set>

#include "bottle/config/config_error.hpp"
#include "bottle/config/hostname_rules.hpp"
#include "ssrf_policy.hpp"

namespace pipelock {

using bottle::config::ConfigError;
using bottle::config::YamlContext;

namespace {

// Top-level sections the public pipelock defines that this one does not
// implement: accepted, with a warning, so a real pipelock config loads.
const std::set<std::string> kKnownUnimplemented = {"explain_blocks",     "sentry",
                                                   "websocket_proxy",    "dlp",
                                                   "response_scanning",  "request_body_scanning",
                                                   "mcp_input_scanning", "mcp_tool_scanning",
                                                   "mcp_tool_policy",    "mcp_session_binding",
                                                   "session_profiling",  "adaptive_enforcement",
                                                   "kill_switch",        "emit",
                                                   "metrics_listen",     "git_protection",
                                                   "flight_recorder",    "rules",
                                                   "request_policy",     "tool_chain_detection",
                                                   "canary_tokens",      "suppress",
                                                   "license_key",        "api_listen"};

class Reader {
 public:
  Reader(const YamlContext& ctx, PipelockConfig& cfg) : ctx_(ctx), cfg_(cfg) {}

  void map_keys(const YAML::Node& map, const std::string& where, const std::set<std::string>& ours,
                const std::set<std::string>& unimplemented = {}) {
    if (!map.IsMap()) ctx_.fail(map, where, "must be a mapping");
    std::set<std::string> seen;
    for (const auto& kv : map) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const std::string full = where.empty() ? key : where + "." + key;
      if (!seen.insert(key).second) ctx_.fail(kv.first, full, "appears twice");
      if (ours.count(key)) continue;
      if (unimplemented.count(key)) {
        cfg_.warnings.push_back(ctx_.source() + ":" + std::to_string(kv.first.Mark().line + 1) +
                                ": key '" + full +
                                "' is not implemented by this pipelock and is ignored");
        continue;
      }
      ctx_.fail(kv.first, full, "unknown key");
    }
  }

  std::string str(const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar()) ctx_.fail(n, key, "must be a string");
    return n.Scalar();
  }
  bool boolean(const YAML::Node& n, const std::string& key) {
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
      ctx_.fail(n, key, "must be true or false");
    return v;
  }
  int integer(const YAML::Node& n, const std::string& key, int min, int max) {
    int v = 0;
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < min || v > max) {
      ctx_.fail(
          n, key,
          "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return v;
  }
  std::vector<std::string> hosts(const YAML::Node& n, const std::string& key) {
    if (!n.IsSequence()) ctx_.fail(n, key, "must be a list of hostnames");
    std::vector<std::string> out;
    for (const auto& item : n) {
      out.push_back(bottle::config::checked_hostname(ctx_, item, key, str(item, key),
                                                     bottle::config::Wildcards::kAllowed));
    }
    return out;
  }
  std::vector<Cidr> cidrs(const YAML::Node& n, const std::string& key, bool refuse_everything) {
    if (!n.IsSequence()) ctx_.fail(n, key, "must be a list of CIDRs");
    std::vector<Cidr> out;
    for (const auto& item : n) {
      std::string problem;
      auto c = Cidr::parse(str(item, key), &problem);
      if (!c) ctx_.fail(item, key, problem);
      if (refuse_everything && c->prefix == 0) {
        ctx_.fail(item, key, "'" + item.Scalar() + "' would exempt every address from SSRF checks");
      }
      out.push_back(*c);
    }
    return out;
  }
  void listen(const YAML::Node& n, const std::string& key) {
    const std::string s = str(n, key);
    const size_t colon = s.rfind(':');
    std::string host = colon == std::string::npos ? "" : s.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    if (colon == std::string::npos || !IpAddress::parse(host)) {
      ctx_.fail(n, key, "'" + s + "' must be ADDRESS:PORT with a numeric address (0.0.0.0:8888)");
    }
    YAML::Node port(s.substr(colon + 1));
    cfg_.listen_host = host;
    cfg_.listen_port = integer(port, key + " port", 0, 65535);
  }
  void check_duration(const YAML::Node& n, const std::string& key) {
    const std::string s = str(n, key);
    bool ok = !s.empty();
    bool digit_before = false;
    for (char c : s) {
      if (std::isdigit(static_cast<unsigned char>(c))) {
        digit_before = true;
      } else if ((c == 'h' || c == 'm' || c == 's') && digit_before) {
        digit_before = false;
      } else {
        ok = false;
      }
    }
    if (!ok || digit_before) ctx_.fail(n, key, "'" + s + "' must be a duration such as 24h or 90m");
  }
  void key_file(const YAML::Node& n, const std::string& key, bool secret) {
    const std::string path = str(n, key);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || ::access(path.c_str(), R_OK) != 0) {
      ctx_.fail(n, key, "'" + path + "' cannot be read");
    }
    if (secret && (st.st_mode & 0037) != 0) {
      ctx_.fail(
          n, key,
          "'" + path + "' is readable beyond its owner and group (mode must be 0640 or narrower)");
    }
  }

 private:
  const YamlContext& ctx_;
  PipelockConfig& cfg_;
};

}  // namespace

PipelockConfig parse_pipelock_config(const std::string& text, const std::string& source) {
  const YamlContext ctx(source);
  const YAML::Node root = bottle::config::load_yaml(text, source);
  PipelockConfig cfg;
  if (!root.IsMap()) ctx.fail(root, "", "pipelock.yaml must be a mapping");
  Reader r(ctx, cfg);
  r.map_keys(root, "",
             {"version", "mode", "enforce", "api_allowlist", "fetch_proxy", "forward_proxy",
              "internal", "ssrf", "trusted_domains", "tls_interception", "logging", "dns"},
             kKnownUnimplemented);

  if (auto v = root["version"]) r.integer(v, "version", 1, 1);
  if (auto m = root["mode"]) {
    cfg.mode = r.str(m, "mode");
    if (cfg.mode != "strict" && cfg.mode != "balanced" && cfg.mode != "audit") {
      ctx.fail(m, "mode", "'" + cfg.mode + "' must be strict, balanced or audit");
    }
  }
  if (auto e = root["enforce"]) cfg.enforce = r.boolean(e, "enforce");
  if (auto a = root["api_allowlist"]) cfg.api_allowlist = r.hosts(a, "api_allowlist");
  if (cfg.mode == "strict" && cfg.api_allowlist.empty()) {
    ctx.fail(root["api_allowlist"] ? root["api_allowlist"] : root, "api_allowlist",
             "strict mode with an empty allowlist would refuse everything");
  }

  if (auto f = root["fetch_proxy"]) {
    r.map_keys(f, "fetch_proxy", {"listen"},
               {"timeout_seconds", "max_response_mb", "user_agent", "monitoring"});
    if (auto l = f["listen"]) r.listen(l, "fetch_proxy.listen");
  }
  if (auto f = root["forward_proxy"]) {
    r.map_keys(f, "forward_proxy",
               {"enabled", "max_tunnel_seconds", "idle_timeout_seconds", "allowed_ports",
                "max_connections", "max_header_bytes", "header_timeout_seconds"});
    if (auto n = f["enabled"]) cfg.forward_enabled = r.boolean(n, "forward_proxy.enabled");
    if (auto n = f["max_tunnel_seconds"]) {
      cfg.max_tunnel_seconds = r.integer(n, "forward_proxy.max_tunnel_seconds", 1, 86400 * 7);
    }
    if (auto n = f["idle_timeout_seconds"]) {
      cfg.idle_timeout_seconds = r.integer(n, "forward_proxy.idle_timeout_seconds", 1, 86400);
    }
    if (auto n = f["allowed_ports"]) {
      if (!n.IsSequence() || n.size() == 0) {
        ctx.fail(n, "forward_proxy.allowed_ports", "must be a non-empty list of ports");
      }
      cfg.allowed_ports.clear();
      for (const auto& p : n)
        cfg.allowed_ports.push_back(r.integer(p, "forward_proxy.allowed_ports", 1, 65535));
    }
    if (auto n = f["max_connections"]) {
      cfg.max_connections = r.integer(n, "forward_proxy.max_connections", 1, 1000000);
    }
    if (auto n = f["max_header_bytes"]) {
      cfg.max_header_bytes = r.integer(n, "forward_proxy.max_header_bytes", 1024, 1 << 20);
    }
    if (auto n = f["header_timeout_seconds"]) {
      cfg.header_timeout_seconds = r.integer(n, "forward_proxy.header_timeout_seconds", 1, 3600);
    }
  }
  cfg.internal = root["internal"] ? r.cidrs(root["internal"], "internal", false)
                                  : SsrfPolicy::default_blocked();
  if (auto s = root["ssrf"]) {
    r.map_keys(s, "ssrf", {"ip_allowlist"});
    if (auto a = s["ip_allowlist"]) cfg.ssrf_allowed = r.cidrs(a, "ssrf.ip_allowlist", true);
  }
  if (auto t = root["trusted_domains"]) cfg.trusted_domains = r.hosts(t, "trusted_domains");

  if (auto t = root["tls_interception"]) {
    r.map_keys(
        t, "tls_interception",
        {"enabled", "ca_cert", "ca_key", "passthrough_domains", "cert_ttl", "cert_cache_size"});
    if (auto n = t["enabled"]) cfg.tls.enabled = r.boolean(n, "tls_interception.enabled");
    if (auto n = t["ca_cert"]) cfg.tls.ca_cert = r.str(n, "tls_interception.ca_cert");
    if (auto n = t["ca_key"]) cfg.tls.ca_key = r.str(n, "tls_interception.ca_key");
    if (auto n = t["passthrough_domains"]) {
      cfg.tls.passthrough_domains = r.hosts(n, "tls_interception.passthrough_domains");
    }
    if (auto n = t["cert_ttl"]) {
      r.check_duration(n, "tls_interception.cert_ttl");
      cfg.tls.cert_ttl = n.Scalar();
    }
    if (auto n = t["cert_cache_size"]) {
      cfg.tls.cert_cache_size = r.integer(n, "tls_interception.cert_cache_size", 1, 10000000);
    }
    if (cfg.tls.enabled) {
      for (const char* key : {"ca_cert", "ca_key"}) {
        if (!t[key])
          ctx.fail(t, std::string("tls_interception.") + key, "is required when enabled");
      }
      r.key_file(t["ca_cert"], "tls_interception.ca_cert", false);
      r.key_file(t["ca_key"], "tls_interception.ca_key", true);
      cfg.warnings.push_back(source +
                             ": tls_interception is not implemented yet: CONNECT tunnels "
                             "pass through uninspected");
    }
  }
  if (auto l = root["logging"]) {
    r.map_keys(l, "logging", {"format", "output", "include_allowed", "include_blocked"}, {"file"});
    if (auto n = l["format"]) {
      cfg.logging.format = r.str(n, "logging.format");
      if (cfg.logging.format != "json" && cfg.logging.format != "text") {
        ctx.fail(n, "logging.format", "must be json or text");
      }
    }
    if (auto n = l["output"]) {
      cfg.logging.output = r.str(n, "logging.output");
      if (cfg.logging.output != "stdout" && cfg.logging.output != "stderr") {
        ctx.fail(n, "logging.output", "must be stdout or stderr (the supervisor keeps the logs)");
      }
    }
    if (auto n = l["include_allowed"])
      cfg.logging.include_allowed = r.boolean(n, "logging.include_allowed");
    if (auto n = l["include_blocked"])
      cfg.logging.include_blocked = r.boolean(n, "logging.include_blocked");
  }
  if (auto d = root["dns"]) {
    r.map_keys(d, "dns", {"host_overrides"}, {"servers", "timeout_seconds"});
    if (auto h = d["host_overrides"]) {
      if (!h.IsMap()) ctx.fail(h, "dns.host_overrides", "must map hostnames to lists of addresses");
      for (const auto& kv : h) {
        const std::string name =
            bottle::config::normalize_hostname(r.str(kv.first, "dns.host_overrides"));
        if (!kv.second.IsSequence())
          ctx.fail(kv.second, "dns.host_overrides." + name, "must be a list of addresses");
        for (const auto& a : kv.second) {
          auto ip = IpAddress::parse(r.str(a, "dns.host_overrides." + name));
          if (!ip)
            ctx.fail(a, "dns.host_overrides." + name, "'" + a.Scalar() + "' is not an IP address");
          cfg.host_overrides[name].push_back(*ip);
        }
      }
    }
  }
  return cfg;
}

PipelockConfig load_pipelock_config(const std::string& path) {
  return parse_pipelock_config(bottle::config::read_config_file(path), path);
}

}  // namespace pipelock
