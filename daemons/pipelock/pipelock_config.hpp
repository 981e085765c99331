#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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
  // Not a pipelock.yaml key (a flag, --copy-tunnels): a tunnel's bytes are
  // moved by splice(2) where the kernel allows it (splice_tunnel.hpp), else
  // read into pipelock and written out again.
  bool splice_tunnels = true;

  std::vector<Cidr> internal;      // blocked ranges
  std::vector<Cidr> ssrf_allowed;  // ssrf.ip_allowlist
  std::vector<std::string> trusted_domains;
  std::map<std::string, std::vector<IpAddress>> host_overrides;  // dns.host_overrides

  // fetch_proxy.monitoring: data smuggled out in a host name, judged
  // before the name is resolved (see hostname_exfiltration.hpp), and in the
  // URLs of the requests pipelock reads.
  struct Monitoring {
    double subdomain_entropy_threshold = 4.0;  // 0 turns the check off
    std::vector<std::string> subdomain_entropy_exclusions;
    // Path segments and query values of requests pipelock reads (see
    // url_entropy.hpp); 0 turns the check off.
    double entropy_threshold = 5.0;
    std::vector<std::string> query_entropy_exclusions;
  } monitoring;

  struct Tls {
    bool enabled = false;
    std::string ca_cert;
    std::string ca_key;
    std::vector<std::string> passthrough_domains;
    std::string cert_ttl = "24h";
    std::chrono::seconds cert_ttl_seconds{24 * 3600};
    int cert_cache_size = 10000;
  } tls;

  // Data-loss prevention on what intercepted requests carry (see
  // request_dlp.hpp), tuned by the public pipelock's `dlp` and
  // `request_body_scanning` keys.
  struct Dlp {
    bool include_defaults = true;  // the shipped rules, git-gate's
    bool scan_bodies = true;       // request_body_scanning.enabled
    struct Pattern {
      std::string name;
      std::string regex;
    };
    std::vector<Pattern> patterns;
    // request_body_scanning.max_body_bytes: a larger body is refused (413),
    // since what is not read cannot be let through.
    std::size_t max_body_bytes = 5u << 20;  // the public pipelock's default
    // Not pipelock.yaml keys (the public pipelock has none for them; a key
    // of our own would make the file unloadable by it): pipelock's flags.
    // How long one scan may take before its request is refused
    // (dlp_scans.hpp), the threads scanning, and what all tunnels may hold
    // at once of requests waiting for their scan (held_bytes.hpp; never
    // less than one request of the largest size).
    std::chrono::milliseconds scan_budget{5000};
    std::size_t scan_workers = 2;
    std::size_t held_bytes_budget = 64u << 20;
  } dlp;

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

// "24h", "90m", "1h30m", "45s" as seconds (the forms pipelock.yaml's
// durations take); nothing for anything else, or zero.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// Throws bottle::config::ConfigError naming the file, line and key.
PipelockConfig parse_pipelock_config(const std::string& text, const std::string& source);
PipelockConfig load_pipelock_config(const std::string& path);

}  // namespace pipelock
