#pragma once

#include <map>
#include <string>
#include <vector>

#include "ip_address.hpp"

namespace pipelock {

// pipelock.yaml, in the public pipelock project's format for the parts we
// implement; see docs/pipelock.md for each key. Keys pipelock defines that we do
// not implement are accepted and listed in `warnings`; any other key is an
// error, because a typo in a security config must not pass silently.
struct PipelockConfig {
  std::string mode = "balanced";  // strict | balanced | audit
  bool enforce = true;
  std::vector<std::string> api_allowlist;
  std::string listen_host = "127.0.0.1";
  int listen_port = 8888;

  bool forward_enabled = false;
  // A tunnel's TLS ClientHello must name the CONNECT host (and name one when
  // the host is a name); sni_require_tls also refuses tunnels that do not
  // start with TLS at all.
  bool sni_verification = true;
  bool sni_require_tls = false;
  int max_tunnel_seconds = 300;
  int idle_timeout_seconds = 120;
  // Our additions under forward_proxy (pipelock has no equivalent).
  std::vector<int> allowed_ports = {80, 443};
  int max_connections = 512;
  int max_header_bytes = 16 * 1024;
  int header_timeout_seconds = 10;

  std::vector<Cidr> internal;      // blocked ranges
  std::vector<Cidr> ssrf_allowed;  // ssrf.ip_allowlist
  std::vector<std::string> trusted_domains;
  std::map<std::string, std::vector<IpAddress>> host_overrides;  // dns.host_overrides

  struct Tls {
    bool enabled = false;
    std::string ca_cert;
    std::string ca_key;
    std::vector<std::string> passthrough_domains;
    std::string cert_ttl = "24h";
    int cert_cache_size = 10000;
  } tls;

  struct Logging {
    std::string format = "json";    // json | text
    std::string output = "stdout";  // stdout | stderr
    bool include_allowed = true;
    bool include_blocked = true;
  } logging;

  std::vector<std::string> warnings;

  // Whether api_allowlist decides (only in strict mode, as in pipelock).
  bool allowlist_enforced() const { return mode == "strict"; }
  // audit mode, or enforce: false: decisions are logged, nothing is refused.
  bool blocking() const { return enforce && mode != "audit"; }
};

// Throws bottle::config::ConfigError naming the file, line and key.
PipelockConfig parse_pipelock_config(const std::string& text, const std::string& source);
PipelockConfig load_pipelock_config(const std::string& path);

}  // namespace pipelock
