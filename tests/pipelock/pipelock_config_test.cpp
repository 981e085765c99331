#include "pipelock_config.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "bottle/config/config_error.hpp"

using namespace pipelock;

namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_pipelock_config(yaml, "pipelock.yaml");
  } catch (const bottle::config::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(PipelockConfig, ReadsWhatTheHostToolRenders) {
  const auto cfg = parse_pipelock_config(R"(version: 1
mode: strict
api_allowlist: [api.anthropic.com, "*.GitHub.com"]
fetch_proxy: {listen: "0.0.0.0:8888"}
forward_proxy: {enabled: true, max_tunnel_seconds: 300, idle_timeout_seconds: 120}
ssrf: {ip_allowlist: [172.30.5.0/24]}
tls_interception:
  enabled: false
  ca_cert: /etc/bottle/pipelock/ca.pem
  ca_key: /etc/bottle/pipelock/ca-key.pem
  passthrough_domains: ["*.bank.example"]
logging: {format: json, output: stdout, include_allowed: true, include_blocked: true}
)",
                                         "p");
  EXPECT_EQ(cfg.mode, "strict");
  EXPECT_TRUE(cfg.allowlist_enforced());
  EXPECT_EQ(cfg.api_allowlist, (std::vector<std::string>{"api.anthropic.com", "*.github.com"}));
  EXPECT_EQ(cfg.listen_host, "0.0.0.0");
  EXPECT_EQ(cfg.listen_port, 8888);
  EXPECT_TRUE(cfg.forward_enabled);
  ASSERT_EQ(cfg.ssrf_allowed.size(), 1u);
  EXPECT_EQ(cfg.ssrf_allowed[0].to_string(), "172.30.5.0/24");
  EXPECT_EQ(cfg.tls.passthrough_domains, std::vector<std::string>{"*.bank.example"});
  EXPECT_TRUE(cfg.warnings.empty());
}

TEST(PipelockConfig, APartialFileTakesPipelocksDefaults) {
  const auto cfg = parse_pipelock_config("api_allowlist: [a.com]\n", "p");
  EXPECT_EQ(cfg.mode, "balanced");
  EXPECT_FALSE(cfg.allowlist_enforced());
  EXPECT_EQ(cfg.listen_host, "127.0.0.1");
  EXPECT_EQ(cfg.listen_port, 8888);
  EXPECT_FALSE(cfg.forward_enabled) << "pipelock answers CONNECT with 405 unless enabled";
  EXPECT_EQ(cfg.max_tunnel_seconds, 300);
  EXPECT_EQ(cfg.idle_timeout_seconds, 120);
  EXPECT_EQ(cfg.allowed_ports, (std::vector<int>{80, 443}));
  EXPECT_FALSE(cfg.internal.empty());
}

TEST(PipelockConfig, HostNameExfiltrationIsJudgedByDefaultAndTunedUnderMonitoring) {
  EXPECT_EQ(parse_pipelock_config("{}", "p").monitoring.subdomain_entropy_threshold, 4.0);
  const auto cfg = parse_pipelock_config(
      "fetch_proxy:\n  monitoring:\n    subdomain_entropy_threshold: 4.5\n"
      "    subdomain_entropy_exclusions: ['*.CDN.example', api.example]\n",
      "p");
  EXPECT_EQ(cfg.monitoring.subdomain_entropy_threshold, 4.5);
  EXPECT_EQ(cfg.monitoring.subdomain_entropy_exclusions,
            (std::vector<std::string>{"*.cdn.example", "api.example"}));
  EXPECT_TRUE(cfg.warnings.empty());
  EXPECT_EQ(error_of("fetch_proxy: {monitoring: {subdomain_entropy_threshold: high}}\n"),
            "pipelock.yaml:1: key 'fetch_proxy.monitoring.subdomain_entropy_threshold': must be "
            "a number from 0 to 8");
  EXPECT_EQ(error_of("fetch_proxy: {monitoring: {subdomain_entropy_threshold: 9}}\n"),
            "pipelock.yaml:1: key 'fetch_proxy.monitoring.subdomain_entropy_threshold': must be "
            "a number from 0 to 8");
  EXPECT_EQ(error_of("fetch_proxy: {monitoring: {subdomain_entropy_exclusions: 'a.com'}}\n"),
            "pipelock.yaml:1: key 'fetch_proxy.monitoring.subdomain_entropy_exclusions': must be "
            "a list of hostnames");
}

TEST(PipelockConfig, DlpPatternsAndTheBodyLimitAreRead) {
  const auto cfg = parse_pipelock_config(
      "dlp:\n  include_defaults: false\n  scan_env: true\n  patterns:\n"
      "    - {name: internal-token, regex: 'itk_[0-9a-f]{32}', severity: high}\n"
      "request_body_scanning: {enabled: true, max_body_bytes: 65536}\n",
      "p.yaml");
  EXPECT_FALSE(cfg.dlp.include_defaults);
  ASSERT_EQ(cfg.dlp.patterns.size(), 1u);
  EXPECT_EQ(cfg.dlp.patterns[0].name, "internal-token");
  EXPECT_EQ(cfg.dlp.max_body_bytes, 65536u);
  EXPECT_EQ(cfg.warnings,
            (std::vector<std::string>{
                "p.yaml:3: key 'dlp.scan_env' is not implemented by this pipelock and is ignored",
                "p.yaml:5: key 'dlp.patterns[].severity' is not implemented by this pipelock and "
                "is ignored"}));
  EXPECT_EQ(error_of("dlp: {patterns: [{name: x, regex: 'a(b'}]}\n"),
            "pipelock.yaml:1: key 'dlp.patterns[].regex': 'a(b' is not an RE2 expression: "
            "missing ): a(b");
  EXPECT_EQ(error_of("dlp: {patterns: [{regex: 'ab'}]}\n"),
            "pipelock.yaml:1: key 'dlp.patterns[].name': is required");
}

TEST(PipelockConfig, KeysPipelockDefinesButWeDoNotImplementWarnWithTheirLine) {
  const auto cfg = parse_pipelock_config(
      "mode: strict\napi_allowlist: [a.com]\nresponse_scanning:\n  enabled: true\n", "p.yaml");
  ASSERT_EQ(cfg.warnings.size(), 1u);
  EXPECT_EQ(cfg.warnings[0],
            "p.yaml:3: key 'response_scanning' is not implemented by this pipelock and is "
            "ignored");
}

TEST(PipelockConfig, BadFilesNameTheKeyAndLine) {
  EXPECT_EQ(error_of("mode: strict\napi_allowlist: [a.com]\napi_alowlist: [b.com]\n"),
            "pipelock.yaml:3: key 'api_alowlist': unknown key: neither this pipelock nor the "
            "public one defines it");
  EXPECT_EQ(error_of("api_allowlist: [a.com]\nforward_proxy:\n  enabled: true\n  enabeld: false\n"),
            "pipelock.yaml:4: key 'forward_proxy.enabeld': unknown key: neither this pipelock nor "
            "the public one defines it");
  EXPECT_EQ(error_of("mode: strict\napi_allowlist: []\n"),
            "pipelock.yaml:2: key 'api_allowlist': strict mode with an empty allowlist would "
            "refuse everything");
  EXPECT_EQ(error_of("api_allowlist: [a.com]\nssrf:\n  ip_allowlist: [10.0.0.1/8]\n"),
            "pipelock.yaml:3: key 'ssrf.ip_allowlist': '10.0.0.1/8' has host bits set (write "
            "10.0.0.0/8)");
  EXPECT_EQ(error_of("api_allowlist: [a.com]\nssrf:\n  ip_allowlist: [0.0.0.0/0]\n"),
            "pipelock.yaml:3: key 'ssrf.ip_allowlist': '0.0.0.0/0' would exempt every address "
            "from SSRF checks");
  EXPECT_EQ(error_of("mode: paranoid\n"),
            "pipelock.yaml:1: key 'mode': 'paranoid' must be strict, balanced or audit");
  EXPECT_EQ(error_of("fetch_proxy: {listen: 'localhost:8888'}\n"),
            "pipelock.yaml:1: key 'fetch_proxy.listen': 'localhost:8888': 'localhost' is not a "
            "numeric IPv4 address (expected ADDRESS:PORT, e.g. 0.0.0.0:8080 or [::1]:8080)");
  EXPECT_EQ(error_of("api_allowlist: [a.com, 'https://b.com']\n"),
            "pipelock.yaml:1: key 'api_allowlist': 'https://b.com' has the character ':', which "
            "is not allowed (letters, digits, '_', '.', '-', and a leading '*.')");
  EXPECT_EQ(error_of("forward_proxy: {max_tunnel_seconds: -5}\n"),
            "pipelock.yaml:1: key 'forward_proxy.max_tunnel_seconds': must be a whole number "
            "from 1 to 604800");
  EXPECT_EQ(error_of("version: 2\n"),
            "pipelock.yaml:1: key 'version': must be a whole number from 1 to 1");
  EXPECT_EQ(error_of("tls_interception: {cert_ttl: tomorrow}\n"),
            "pipelock.yaml:1: key 'tls_interception.cert_ttl': 'tomorrow' must be a duration "
            "such as 24h or 90m");
  EXPECT_EQ(error_of("api_allowlist: [a.com\n"),
            "pipelock.yaml:2: not valid YAML: end of sequence flow not found");
}

TEST(PipelockConfig, InterceptionNeedsReadableCaFilesWithAPrivateKey) {
  const auto dir = std::filesystem::temp_directory_path() / ("pl-ca-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ca.pem") << "cert";
  std::ofstream(dir / "ca-key.pem") << "key";
  ::chmod((dir / "ca-key.pem").c_str(), 0644);
  const std::string yaml =
      "tls_interception:\n  enabled: true\n  ca_cert: " + (dir / "ca.pem").string() +
      "\n  ca_key: " + (dir / "ca-key.pem").string() + "\n";
  EXPECT_NE(error_of(yaml).find("mode must be 0640 or narrower"), std::string::npos);
  ::chmod((dir / "ca-key.pem").c_str(), 0600);
  const auto cfg = parse_pipelock_config(yaml, "p");
  EXPECT_TRUE(cfg.tls.enabled);
  EXPECT_TRUE(cfg.warnings.empty());
  EXPECT_NE(error_of("tls_interception: {enabled: true, ca_cert: /nonexistent}\n").find("ca_key"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(PipelockConfig, ThePublicPipelocksPresetsAndEverySectionOfItsSchemaLoad) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(PUBLIC_FIXTURES)) {
    ++files;
    try {
      const auto cfg = load_pipelock_config(entry.path().string());
      for (const auto& w : cfg.warnings) {
        EXPECT_NE(w.find("is not implemented"), std::string::npos) << w;
      }
    } catch (const bottle::config::ConfigError& e) {
      ADD_FAILURE() << entry.path() << ":\n" << e.what();
    }
  }
  EXPECT_GE(files, 20);
  // The issue's list, each accepted with a warning naming its line.
  const auto cfg = parse_pipelock_config(
      "api_allowlist: [a.com]\nscan_api: {}\nseed_phrase_detection: {}\nairlock: {}\n"
      "taint: {}\nredaction: {}\ncross_request_detection: {}\nbehavioral_baseline: {}\n"
      "media_policy: {}\naddress_protection: {}\nreverse_proxy: {}\n"
      "forward_proxy: {sni_verification: true}\ntls_interception: {max_response_bytes: 1024}\n",
      "p.yaml");
  EXPECT_EQ(cfg.warnings.size(), 11u);
  EXPECT_TRUE(cfg.sni_verification);
}

TEST(PipelockConfig, EveryMistakeOfAFileIsReportedAtOnce) {
  const std::string all = error_of(
      "mode: paranoid\napi_allowlist: [a.com]\nforward_proxy:\n  enabld: true\n"
      "  max_tunnel_seconds: -1\nairlock:\n  tigers: {}\nssrf: {ip_allowlist: [10.0.0.1/8]}\n");
  for (const char* expected :
       {"pipelock.yaml:1: key 'mode': 'paranoid' must be strict, balanced or audit",
        "pipelock.yaml:4: key 'forward_proxy.enabld': unknown key",
        "pipelock.yaml:5: key 'forward_proxy.max_tunnel_seconds': must be a whole number",
        "pipelock.yaml:7: key 'airlock.tigers': unknown key",
        "pipelock.yaml:8: key 'ssrf.ip_allowlist': '10.0.0.1/8' has host bits set"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << expected << "\nin:\n" << all;
  }
}
