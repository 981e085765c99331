#include "pipelock_config.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <set>
#include <sstream>

#include "bottle/config/config_error.hpp"
#include "bottle/config/hostname_rules.hpp"
#include "bottle/net/listen_address.hpp"
#include "bottle/secrets/rule_set.hpp"
#include "bottle/text/join.hpp"
#include "public_pipelock_keys.hpp"
#include "ssrf_policy.hpp"

namespace pipelock {

using bottle::config::ConfigError;
using bottle::config::YamlContext;

namespace {

// What this pipelock reads itself; every other key of the public schema is
// accepted with a warning. forward_proxy's allowed_ports, max_connections,
// max_header_bytes and header_timeout_seconds are this pipelock's own.
const std::set<std::string> kImplemented = {"version",
                                            "mode",
                                            "enforce",
                                            "api_allowlist",
                                            "internal",
                                            "trusted_domains",
                                            "fetch_proxy",
                                            "fetch_proxy.listen",
                                            "fetch_proxy.monitoring",
                                            "fetch_proxy.monitoring.subdomain_entropy_threshold",
                                            "fetch_proxy.monitoring.subdomain_entropy_exclusions",
                                            "fetch_proxy.monitoring.entropy_threshold",
                                            "fetch_proxy.monitoring.query_entropy_exclusions",
                                            "forward_proxy",
                                            "forward_proxy.enabled",
                                            "forward_proxy.max_tunnel_seconds",
                                            "forward_proxy.idle_timeout_seconds",
                                            "forward_proxy.sni_verification",
                                            "forward_proxy.sni_require_tls",
                                            "forward_proxy.allowed_ports",
                                            "forward_proxy.max_connections",
                                            "forward_proxy.max_header_bytes",
                                            "forward_proxy.header_timeout_seconds",
                                            "ssrf",
                                            "ssrf.ip_allowlist",
                                            "tls_interception",
                                            "tls_interception.enabled",
                                            "tls_interception.ca_cert",
                                            "tls_interception.ca_key",
                                            "tls_interception.passthrough_domains",
                                            "tls_interception.cert_ttl",
                                            "tls_interception.cert_cache_size",
                                            "dlp",
                                            "dlp.include_defaults",
                                            "dlp.patterns",
                                            "dlp.patterns[].name",
                                            "dlp.patterns[].regex",
                                            "request_body_scanning",
                                            "request_body_scanning.enabled",
                                            "request_body_scanning.max_body_bytes",
                                            "logging",
                                            "logging.format",
                                            "logging.output",
                                            "logging.include_allowed",
                                            "logging.include_blocked",
                                            "dns",
                                            "dns.host_overrides"};
// Ours alone: not in the public schema, so not warned about either.
const std::set<std::string> kOwnKeys = {
    "forward_proxy.allowed_ports", "forward_proxy.max_connections",
    "forward_proxy.max_header_bytes", "forward_proxy.header_timeout_seconds"};
constexpr int kMaxDepth = 32;

std::string fmt_number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

bool has_children(const std::string& path) {
  const auto& keys = public_pipelock_keys();
  const std::string prefix = path + ".";
  auto it = keys.lower_bound(prefix);
  return it != keys.end() && it->substr(0, prefix.size()) == prefix;
}

// Walks the whole document against the public schema: unknown keys at any
// depth are errors (a typo in a security config must not pass silently), keys
// defined there but not read here are warnings, one per subtree.
class SchemaWalk {
 public:
  SchemaWalk(const YamlContext& ctx, std::vector<std::string>& errors,
             std::vector<std::string>& warnings)
      : ctx_(ctx), errors_(errors), warnings_(warnings) {}

  void walk(const YAML::Node& node, const std::string& path, bool in_unimplemented, int depth) {
    if (depth > kMaxDepth) {
      error(node, path, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
      return;
    }
    if (node.IsSequence()) {
      const std::string items = path + "[]";
      if (!has_children(items)) return;  // a list of values, not of objects
      for (const auto& item : node) {
        if (item.IsMap()) walk(item, items, in_unimplemented, depth + 1);
      }
      return;
    }
    if (!node.IsMap()) return;
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      std::string full = child_path(path, key);
      if (!seen.insert(key).second) {
        error(kv.first, full, "appears twice");
        continue;
      }
      const auto& schema = public_pipelock_keys();
      std::string schema_path = full;
      if (!schema.count(full) && !kOwnKeys.count(full)) {
        const std::string named = child_path(path, "*");
        if (schema.count(named)) {
          schema_path = named;
        } else {
          error(kv.first, full, "unknown key: neither this pipelock nor the public one defines it");
          continue;
        }
      }
      const bool implemented = !in_unimplemented && kImplemented.count(full);
      if (!in_unimplemented && !implemented) {
        warnings_.push_back(ctx_.source() + ":" + std::to_string(kv.first.Mark().line + 1) +
                            ": key '" + full +
                            "' is not implemented by this pipelock and is ignored");
      }
      if (public_pipelock_free_form_maps().count(schema_path)) continue;
      if (!kv.second.IsMap() && !kv.second.IsSequence()) continue;
      if (kv.second.IsMap() && !has_children(schema_path)) continue;
      walk(kv.second, schema_path, !implemented, depth + 1);
    }
  }

 private:
  void error(const YAML::Node& at, const std::string& key, const std::string& problem) {
    try {
      ctx_.fail(at, key, problem);
    } catch (const ConfigError& e) {
      errors_.push_back(e.what());
    }
  }

  const YamlContext& ctx_;
  std::vector<std::string>& errors_;
  std::vector<std::string>& warnings_;
};

class Reader {
 public:
  Reader(const YamlContext& ctx, PipelockConfig& cfg) : ctx_(ctx), cfg_(cfg) {}

  // Runs one key's reading; its error is collected, not thrown, so a file's
  // every mistake is reported at once.
  template <class F>
  void attempt(F&& fn) {
    try {
      fn();
    } catch (const ConfigError& e) {
      errors_.push_back(e.what());
    }
  }
  const std::vector<std::string>& errors() const { return errors_; }

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
  double number(const YAML::Node& n, const std::string& key, double min, double max) {
    double v = 0;
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !(v >= min && v <= max)) {
      ctx_.fail(n, key, "must be a number from " + fmt_number(min) + " to " + fmt_number(max));
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
    std::string problem;
    const auto address = bottle::net::parse_listen_address(s, &problem);
    if (!address) ctx_.fail(n, key, "'" + s + "': " + problem);
    cfg_.listen_host = address->host;
    cfg_.listen_port = address->port;
  }
  std::chrono::seconds duration(const YAML::Node& n, const std::string& key) {
    const std::string s = str(n, key);
    const auto seconds = parse_duration(s);
    if (!seconds) ctx_.fail(n, key, "'" + s + "' must be a duration such as 24h or 90m");
    return *seconds;
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
  std::vector<std::string> errors_;
};

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  long long total = 0;
  long long number = -1;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      number = (number < 0 ? 0 : number) * 10 + (c - '0');
      if (number > 100LL * 365 * 86400) return std::nullopt;
      continue;
    }
    const long long unit = c == 'h' ? 3600 : c == 'm' ? 60 : c == 's' ? 1 : 0;
    if (unit == 0 || number < 0) return std::nullopt;
    total += number * unit;
    number = -1;
  }
  if (number >= 0 || total <= 0) return std::nullopt;
  return std::chrono::seconds(total);
}

PipelockConfig parse_pipelock_config(const std::string& text, const std::string& source) {
  const YamlContext ctx(source);
  const YAML::Node root = bottle::config::load_yaml(text, source);
  PipelockConfig cfg;
  if (!root.IsMap()) ctx.fail(root, "", "pipelock.yaml must be a mapping");
  std::vector<std::string> schema_errors;
  SchemaWalk(ctx, schema_errors, cfg.warnings).walk(root, "", false, 0);
  Reader r(ctx, cfg);
  // Each section is read on its own: one bad key does not hide the next.
  auto section = [&](const char* key, auto&& read) {
    if (const YAML::Node n = root[key]) {
      r.attempt([&] {
        if (!n.IsMap()) ctx.fail(n, key, "must be a mapping");
        read(n);
      });
    }
  };

  r.attempt([&] {
    if (auto v = root["version"]) r.integer(v, "version", 1, 1);
  });
  r.attempt([&] {
    if (auto m = root["mode"]) {
      cfg.mode = r.str(m, "mode");
      if (cfg.mode != "strict" && cfg.mode != "balanced" && cfg.mode != "audit") {
        ctx.fail(m, "mode", "'" + cfg.mode + "' must be strict, balanced or audit");
      }
    }
  });
  r.attempt([&] {
    if (auto e = root["enforce"]) cfg.enforce = r.boolean(e, "enforce");
  });
  r.attempt([&] {
    if (auto a = root["api_allowlist"]) cfg.api_allowlist = r.hosts(a, "api_allowlist");
    if (cfg.mode == "strict" && cfg.api_allowlist.empty()) {
      ctx.fail(root["api_allowlist"] ? root["api_allowlist"] : root, "api_allowlist",
               "strict mode with an empty allowlist would refuse everything");
    }
  });
  section("fetch_proxy", [&](const YAML::Node& f) {
    if (auto l = f["listen"]) r.attempt([&] { r.listen(l, "fetch_proxy.listen"); });
    const YAML::Node m = f["monitoring"];
    if (!m) return;
    if (!m.IsMap()) ctx.fail(m, "fetch_proxy.monitoring", "must be a mapping");
    r.attempt([&] {
      if (auto n = m["subdomain_entropy_threshold"]) {
        // 8 bits is the most a byte can carry: above it the check is off in all but name.
        cfg.monitoring.subdomain_entropy_threshold =
            r.number(n, "fetch_proxy.monitoring.subdomain_entropy_threshold", 0, 8);
      }
    });
    r.attempt([&] {
      if (auto n = m["entropy_threshold"]) {
        cfg.monitoring.entropy_threshold =
            r.number(n, "fetch_proxy.monitoring.entropy_threshold", 0, 8);
      }
    });
    r.attempt([&] {
      if (auto n = m["query_entropy_exclusions"]) {
        cfg.monitoring.query_entropy_exclusions =
            r.hosts(n, "fetch_proxy.monitoring.query_entropy_exclusions");
      }
    });
    r.attempt([&] {
      if (auto n = m["subdomain_entropy_exclusions"]) {
        cfg.monitoring.subdomain_entropy_exclusions =
            r.hosts(n, "fetch_proxy.monitoring.subdomain_entropy_exclusions");
      }
    });
  });
  section("forward_proxy", [&](const YAML::Node& f) {
    auto each = [&](const char* key, auto&& read) {
      if (const YAML::Node n = f[key])
        r.attempt([&] { read(n, std::string("forward_proxy.") + key); });
    };
    each("enabled",
         [&](const YAML::Node& n, const std::string& k) { cfg.forward_enabled = r.boolean(n, k); });
    each("max_tunnel_seconds", [&](const YAML::Node& n, const std::string& k) {
      cfg.max_tunnel_seconds = r.integer(n, k, 1, 86400 * 7);
    });
    each("idle_timeout_seconds", [&](const YAML::Node& n, const std::string& k) {
      cfg.idle_timeout_seconds = r.integer(n, k, 1, 86400);
    });
    each("sni_verification", [&](const YAML::Node& n, const std::string& k) {
      cfg.sni_verification = r.boolean(n, k);
    });
    each("sni_require_tls",
         [&](const YAML::Node& n, const std::string& k) { cfg.sni_require_tls = r.boolean(n, k); });
    each("allowed_ports", [&](const YAML::Node& n, const std::string& k) {
      if (!n.IsSequence() || n.size() == 0) ctx.fail(n, k, "must be a non-empty list of ports");
      cfg.allowed_ports.clear();
      for (const auto& p : n) cfg.allowed_ports.push_back(r.integer(p, k, 1, 65535));
    });
    each("max_connections", [&](const YAML::Node& n, const std::string& k) {
      cfg.max_connections = r.integer(n, k, 1, 1000000);
    });
    each("max_header_bytes", [&](const YAML::Node& n, const std::string& k) {
      cfg.max_header_bytes = r.integer(n, k, 1024, 1 << 20);
    });
    each("header_timeout_seconds", [&](const YAML::Node& n, const std::string& k) {
      cfg.header_timeout_seconds = r.integer(n, k, 1, 3600);
    });
    if (cfg.sni_require_tls && !cfg.sni_verification) {
      r.attempt([&] {
        ctx.fail(f["sni_require_tls"], "forward_proxy.sni_require_tls",
                 "needs forward_proxy.sni_verification on");
      });
    }
  });
  r.attempt([&] {
    cfg.internal = root["internal"] ? r.cidrs(root["internal"], "internal", false)
                                    : SsrfPolicy::default_blocked();
  });
  section("ssrf", [&](const YAML::Node& s) {
    if (auto a = s["ip_allowlist"]) {
      r.attempt([&] { cfg.ssrf_allowed = r.cidrs(a, "ssrf.ip_allowlist", true); });
    }
  });
  r.attempt([&] {
    if (auto t = root["trusted_domains"]) cfg.trusted_domains = r.hosts(t, "trusted_domains");
  });
  section("tls_interception", [&](const YAML::Node& t) {
    r.attempt([&] {
      if (auto n = t["enabled"]) cfg.tls.enabled = r.boolean(n, "tls_interception.enabled");
    });
    r.attempt([&] {
      if (auto n = t["ca_cert"]) cfg.tls.ca_cert = r.str(n, "tls_interception.ca_cert");
    });
    r.attempt([&] {
      if (auto n = t["ca_key"]) cfg.tls.ca_key = r.str(n, "tls_interception.ca_key");
    });
    r.attempt([&] {
      if (auto n = t["passthrough_domains"]) {
        cfg.tls.passthrough_domains = r.hosts(n, "tls_interception.passthrough_domains");
      }
    });
    r.attempt([&] {
      if (auto n = t["cert_ttl"]) {
        cfg.tls.cert_ttl_seconds = r.duration(n, "tls_interception.cert_ttl");
        cfg.tls.cert_ttl = n.Scalar();
      }
    });
    r.attempt([&] {
      if (auto n = t["cert_cache_size"]) {
        cfg.tls.cert_cache_size = r.integer(n, "tls_interception.cert_cache_size", 1, 10000000);
      }
    });
    if (cfg.tls.enabled) {
      r.attempt([&] {
        for (const char* key : {"ca_cert", "ca_key"}) {
          if (!t[key])
            ctx.fail(t, std::string("tls_interception.") + key, "is required when enabled");
        }
        r.key_file(t["ca_cert"], "tls_interception.ca_cert", false);
        r.key_file(t["ca_key"], "tls_interception.ca_key", true);
      });
    }
  });
  section("dlp", [&](const YAML::Node& d) {
    r.attempt([&] {
      if (auto n = d["include_defaults"]) {
        cfg.dlp.include_defaults = r.boolean(n, "dlp.include_defaults");
      }
    });
    r.attempt([&] {
      const YAML::Node list = d["patterns"];
      if (!list) return;
      if (!list.IsSequence()) ctx.fail(list, "dlp.patterns", "must be a list of {name, regex}");
      for (const auto& item : list) {
        if (!item.IsMap())
          ctx.fail(item, "dlp.patterns", "each pattern is a {name, regex} mapping");
        for (const char* key : {"name", "regex"}) {
          if (!item[key]) ctx.fail(item, std::string("dlp.patterns[].") + key, "is required");
        }
        PipelockConfig::Dlp::Pattern p{r.str(item["name"], "dlp.patterns[].name"),
                                       r.str(item["regex"], "dlp.patterns[].regex")};
        std::string error;
        if (!bottle::secrets::compile_rule_regex(p.regex, &error)) {
          ctx.fail(item["regex"], "dlp.patterns[].regex",
                   "'" + p.regex + "' is not an RE2 expression: " + error);
        }
        cfg.dlp.patterns.push_back(std::move(p));
      }
    });
  });
  section("request_body_scanning", [&](const YAML::Node& b) {
    r.attempt([&] {
      if (auto n = b["enabled"])
        cfg.dlp.scan_bodies = r.boolean(n, "request_body_scanning.enabled");
    });
    r.attempt([&] {
      if (auto n = b["max_body_bytes"]) {
        cfg.dlp.max_body_bytes = static_cast<std::size_t>(
            r.integer(n, "request_body_scanning.max_body_bytes", 1024, 1 << 30));
      }
    });
  });
  section("logging", [&](const YAML::Node& l) {
    r.attempt([&] {
      if (auto n = l["format"]) {
        cfg.logging.format = r.str(n, "logging.format");
        if (cfg.logging.format != "json" && cfg.logging.format != "text") {
          ctx.fail(n, "logging.format", "must be json or text");
        }
      }
    });
    r.attempt([&] {
      if (auto n = l["output"]) {
        const std::string v = r.str(n, "logging.output");
        if (v == "stdout" || v == "stderr") {
          cfg.logging.output = v;
        } else if (v == "file" || v == "both") {
          // The public pipelock's own choices: the supervisor keeps the logs here.
          cfg.warnings.push_back(source + ":" + std::to_string(n.Mark().line + 1) +
                                 ": logging.output '" + v +
                                 "' is not implemented: decisions go to stdout");
        } else {
          ctx.fail(n, "logging.output", "must be stdout, stderr, file or both");
        }
      }
    });
    r.attempt([&] {
      if (auto n = l["include_allowed"])
        cfg.logging.include_allowed = r.boolean(n, "logging.include_allowed");
    });
    r.attempt([&] {
      if (auto n = l["include_blocked"])
        cfg.logging.include_blocked = r.boolean(n, "logging.include_blocked");
    });
  });
  section("dns", [&](const YAML::Node& d) {
    if (auto h = d["host_overrides"]) {
      r.attempt([&] {
        if (!h.IsMap())
          ctx.fail(h, "dns.host_overrides", "must map hostnames to lists of addresses");
        for (const auto& kv : h) {
          const std::string name =
              bottle::config::normalize_hostname(r.str(kv.first, "dns.host_overrides"));
          if (!kv.second.IsSequence())
            ctx.fail(kv.second, "dns.host_overrides." + name, "must be a list of addresses");
          for (const auto& a : kv.second) {
            auto ip = IpAddress::parse(r.str(a, "dns.host_overrides." + name));
            if (!ip) {
              ctx.fail(a, "dns.host_overrides." + name,
                       "'" + a.Scalar() + "' is not an IP address");
            }
            cfg.host_overrides[name].push_back(*ip);
          }
        }
      });
    }
  });
  std::vector<std::string> errors = schema_errors;
  errors.insert(errors.end(), r.errors().begin(), r.errors().end());
  if (!errors.empty()) {
    throw ConfigError(bottle::text::join(errors, "\n"));
  }
  return cfg;
}

PipelockConfig load_pipelock_config(const std::string& path) {
  return parse_pipelock_config(bottle::config::read_config_file(path), path);
}

}  // namespace pipelock
