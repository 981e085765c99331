#pragma once

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bottle/tls/client_context.hpp"
#include "bottle/tls/session.hpp"
#include "decision_log.hpp"
#include "dlp_scans.hpp"
#include "held_bytes.hpp"
#include "leaf_certificates.hpp"
#include "proxy_target.hpp"
#include "request_dlp.hpp"
#include "url_entropy.hpp"

namespace pipelock {

// What every intercepted tunnel shares: the leaf certificates, the upstream
// TLS settings, the DLP rules and the limits. Built once from pipelock.yaml.
struct InterceptionContext {
  LeafCertificates& leaves;
  const bottle::tls::ClientContext& upstream_tls;
  const RequestDlp& dlp;
  const UrlEntropyCheck& url_entropy;
  bool scan_bodies;  // request_body_scanning.enabled
  std::size_t max_header_bytes;
  std::size_t max_body_bytes;
  bool blocking;  // false (audit): what would be refused is logged and let through
};

// One CONNECT tunnel that pipelock terminates (tls_interception). The agent's
// TLS ends here, with a leaf certificate for the CONNECT host; pipelock opens
// its own TLS to the upstream (SNI the CONNECT host, the certificate
// verified); and every request in between is parsed and decided on its own:
//   - its target is origin-form (an absolute-form target naming the CONNECT
//     host is rewritten to it) and its one Host header names the CONNECT
//     host: a tunnel to one host carries requests for that host only;
//   - no Upgrade (a WebSocket is no longer HTTP to read);
//   - DLP on the head, then on the whole body (held, at most
//     max_body_bytes, and forwarded only once read: no part of a secret
//     leaves before the scan has seen all of it); the scans run on
//     DlpScans' workers, and while one is out the agent's socket is paused
//     and nothing more of its bytes is parsed; what all sessions hold of
//     requests not yet forwarded is counted against one HeldBytes budget;
//   - forwarded in one canonical form: the head as pipelock serialises it,
//     Content-Length framing, hop-by-hop fields dropped.
// A refusal is answered inside the TLS session (403, X-Pipelock-Block-Reason,
// "blocked: ..."), and ends the tunnel: nothing the agent sent after it goes
// out. Responses are relayed as they come. A tunnel that does not start with
// TLS (CONNECT to a plain-HTTP port) is read the same way without the TLS
// layers (Layer::plain). One decision line per request.
class InterceptedSession {
 public:
  enum class Layer { tls, plain };
  struct Io {
    std::function<void(std::string)> to_client;    // bytes for the agent's socket
    std::function<void(std::string)> to_upstream;  // bytes for the upstream's socket
    std::function<void(const Decision&)> decided;  // one per request
    // The session is over: end the tunnel once what went to to_client is written.
    std::function<void(const std::string& why)> end;
    // Whether the agent's socket should be read (false while a scan is out).
    std::function<void(bool)> client_reading;
  };
  // What the sessions of one process share besides the settings.
  struct Shared {
    DlpScans& scans;
    HeldBytes& held;
  };

  // `tunnel`: the CONNECT's decision (client, host, port), each request's
  // line starts from it.
  InterceptedSession(const InterceptionContext& ctx, Shared shared, const ProxyTarget& target,
                     Decision tunnel, Layer layer, Io io);
  InterceptedSession(const InterceptedSession&) = delete;
  InterceptedSession& operator=(const InterceptedSession&) = delete;

  void from_client(std::string_view bytes);
  void from_upstream(std::string_view bytes);
  void client_ended();
  void upstream_ended();
  // The connection is finishing: nothing more is forwarded or answered, and
  // a scan still out is dropped (its result would act on a closed tunnel).
  void abandon();

  std::uint64_t requests() const { return requests_; }
  // Plaintext bytes of responses relayed to the agent.
  std::uint64_t response_bytes() const { return response_bytes_; }

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using Request = DlpScans::Request;
  enum class Phase {
    reading,   // requests are parsed, decided and forwarded
    scanning,  // the current request's head or body is with DlpScans; agent bytes wait
    refused,   // a refusal is on its way to the agent; nothing more goes upstream
    ended,
  };

  void new_parser();
  void on_client_plaintext(std::string_view data);
  // Feeds the parser what the agent sent, for as long as requests can be read.
  void parse();
  // The checks on the head that need no scan; false when the request was refused.
  bool check_head();
  void on_head_scanned(std::optional<DlpFinding> finding);
  void request_read();
  void on_body_scanned(Request req, std::optional<DlpFinding> finding);
  void forward(Request req);
  void start_scan(DlpScans::Part part, Request req, DlpScans::Done done);
  // Counts what the session holds against the process's budget; false (the
  // request refused) when it would go past it.
  bool hold();
  bool open() const { return phase_ == Phase::reading || phase_ == Phase::scanning; }
  // A policy refusal (Host, DLP): logged and let through in audit mode;
  // returns true when the request was refused.
  bool blocked(unsigned status, const std::string& reason, const std::string& rule = "");
  void refuse(unsigned status, const std::string& reason, const std::string& rule = "");
  void send_to_client(std::string_view plaintext);
  void send_to_upstream(std::string_view plaintext);
  void flush_client();
  void flush_upstream();
  void end(const std::string& why);
  Decision request_decision() const;

  const InterceptionContext& ctx_;
  Shared shared_;
  HeldBytes::Share held_;
  std::unique_ptr<DlpScans::Pending> scan_;  // the scan out, if any
  std::size_t scanning_bytes_ = 0;           // the body out with it
  ProxyTarget target_;
  Decision tunnel_;
  Layer layer_;
  Io io_;
  std::unique_ptr<bottle::tls::Session> client_tls_;
  std::unique_ptr<bottle::tls::Session> upstream_tls_;
  std::unique_ptr<Parser> parser_;
  std::string in_;  // agent plaintext not yet consumed by the parser
  bool head_checked_ = false;
  std::size_t head_fields_ = 0;  // fields when the head was checked
  std::string method_;           // the current request's method
  std::string path_;             // the current request's target as a log shows it
  std::string audit_note_;       // audit: what would have refused the current request
  Phase phase_ = Phase::reading;
  std::uint64_t requests_ = 0;
  std::uint64_t response_bytes_ = 0;
};

}  // namespace pipelock
