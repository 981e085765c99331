#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bottle/secrets/scanner.hpp"
#include "bottle/tls/client_context.hpp"
#include "intercepted_session.hpp"
#include "leaf_certificates.hpp"
#include "pipelock_config.hpp"
#include "request_dlp.hpp"

namespace pipelock {

// What tls_interception needs, built once at start-up from pipelock.yaml:
// the leaf certificates (from the bottle's pipelock CA), the upstream TLS
// settings (the system's CAs plus `upstream_ca_files`; never unverified), and
// the DLP rules: git-gate's shipped rules (`shipped_rules`, unless
// dlp.include_defaults is false) plus dlp.patterns.
class Interception {
 public:
  // Throws std::runtime_error naming the file that cannot be used.
  Interception(const PipelockConfig& cfg, const std::string& shipped_rules,
               const std::vector<std::string>& upstream_ca_files);
  Interception(const Interception&) = delete;
  Interception& operator=(const Interception&) = delete;

  const InterceptionContext& context() const { return context_; }
  std::size_t rule_count() const { return scanner_->rules().rules.size(); }

 private:
  std::unique_ptr<LeafCertificates> leaves_;
  bottle::tls::ClientContext upstream_tls_;
  std::unique_ptr<bottle::secrets::Scanner> scanner_;
  std::unique_ptr<RequestDlp> dlp_;
  UrlEntropyCheck url_entropy_;
  InterceptionContext context_;
};

}  // namespace pipelock
