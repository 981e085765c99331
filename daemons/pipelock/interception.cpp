#include "interception.hpp"

#include <stdexcept>

#include "bottle/config/config_error.hpp"
#include "bottle/secrets/gitleaks_config.hpp"

namespace pipelock {

namespace {

bottle::secrets::RuleSet dlp_rules(const PipelockConfig& cfg, const std::string& shipped) {
  bottle::secrets::RuleSet rules;
  if (cfg.dlp.include_defaults) {
    try {
      rules = bottle::secrets::load_gitleaks_config(shipped, {shipped});
    } catch (const bottle::config::ConfigError& e) {
      throw std::runtime_error(std::string("DLP rules: ") + e.what());
    }
  }
  for (const auto& p : cfg.dlp.patterns) {
    std::string error;
    bottle::secrets::Rule rule;
    rule.id = p.name;
    rule.description = p.name;
    rule.regex = bottle::secrets::compile_rule_regex(p.regex, &error);
    // pipelock.yaml's loader compiled it already; this cannot fail but is checked.
    if (!rule.regex) throw std::runtime_error("dlp.patterns '" + p.name + "': " + error);
    rules.rules.push_back(std::move(rule));
  }
  RequestDlp::drop_end_boundaries(rules);
  return rules;
}

}  // namespace

Interception::Interception(const PipelockConfig& cfg, const std::string& shipped_rules,
                           const std::vector<std::string>& upstream_ca_files)
    : leaves_(std::make_unique<LeafCertificates>(
          cfg.tls.ca_cert, cfg.tls.ca_key, cfg.tls.cert_ttl_seconds,
          static_cast<std::size_t>(cfg.tls.cert_cache_size))),
      upstream_tls_(upstream_ca_files),
      scanner_(std::make_unique<bottle::secrets::Scanner>(dlp_rules(cfg, shipped_rules))),
      dlp_(std::make_unique<RequestDlp>(*scanner_)),
      url_entropy_(cfg.monitoring.entropy_threshold, cfg.monitoring.query_entropy_exclusions),
      context_{*leaves_,
               upstream_tls_,
               *dlp_,
               url_entropy_,
               cfg.dlp.scan_bodies,
               static_cast<std::size_t>(cfg.max_header_bytes),
               cfg.dlp.max_body_bytes,
               cfg.blocking()} {}

}  // namespace pipelock
