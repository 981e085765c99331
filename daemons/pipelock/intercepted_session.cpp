#include "intercepted_session.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/write.hpp>
#include <sstream>

#include "bottle/http/loggable_target.hpp"
#include "bottle/http/message_codings.hpp"
#include "bottle/http/response.hpp"
#include "bottle/text/ascii.hpp"
#include "bottle/text/terminal_escape.hpp"

namespace pipelock {

namespace http = boost::beast::http;

namespace {

// "host" or "host:port" (IPv6 in brackets) as a Host header names it, with
// the tunnel's port when none is given.
std::optional<ProxyTarget> host_header_target(std::string_view value, int default_port) {
  std::string authority(value);
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  const bool has_port =
      colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  if (!has_port) authority += ":" + std::to_string(default_port);
  std::string problem;
  return parse_connect_target(authority, &problem);
}

// Beast's views (boost::string_view in Boost 1.74) as the standard's.
std::string_view text(boost::beast::string_view v) { return {v.data(), v.size()}; }

}  // namespace

InterceptedSession::InterceptedSession(const InterceptionContext& ctx, Shared shared,
                                       const ProxyTarget& target, Decision tunnel, Layer layer,
                                       Io io)
    : ctx_(ctx),
      shared_(shared),
      held_(shared.held),
      target_(target),
      tunnel_(std::move(tunnel)),
      layer_(layer),
      io_(std::move(io)) {
  if (layer_ == Layer::tls) {
    client_tls_ =
        bottle::tls::Session::server(ctx_.leaves.new_server_ssl(target_.host), tunnel_.client);
    upstream_tls_ = bottle::tls::Session::client(ctx_.upstream_tls, target_.host);
    upstream_tls_->start();
    flush_upstream();
  }
  new_parser();
}

void InterceptedSession::new_parser() {
  parser_ = std::make_unique<Parser>();
  parser_->header_limit(static_cast<std::uint32_t>(ctx_.max_header_bytes));
  parser_->body_limit(static_cast<std::uint64_t>(ctx_.max_body_bytes));
  head_checked_ = false;
  // method_, path_ and audit_note_ stay: the request just read may still be
  // out for its body scan, and its decision line needs them.
}

Decision InterceptedSession::request_decision() const {
  Decision d = tunnel_;
  d.method = method_;
  d.path = path_;
  d.allowed = true;
  d.reason.clear();
  d.bytes_to_upstream = 0;
  d.bytes_to_client = 0;
  d.duration = {};
  return d;
}

// --- the agent's side ------------------------------------------------------

void InterceptedSession::from_client(std::string_view bytes) {
  if (phase_ == Phase::ended) return;
  std::string plain;
  if (layer_ == Layer::tls) {
    const bool was_established = client_tls_->established();
    const auto failure = client_tls_->receive(bytes, plain);
    flush_client();
    if (failure) {
      end(was_established ? "TLS with the agent: " + *failure
                          : "the agent's TLS handshake failed: " + *failure +
                                " (a client that pins certificates refuses pipelock's: list the "
                                "host in tls_interception.passthrough_domains)");
      return;
    }
    if (phase_ == Phase::refused) {
      // The refusal is out once the handshake is done (the session held it).
      if (client_tls_->established()) end("refused");
      return;
    }
    if (client_tls_->peer_closed()) {
      end("the agent closed the TLS session");
      return;
    }
  } else {
    if (phase_ == Phase::refused) return;
    plain.assign(bytes);
  }
  if (!plain.empty()) on_client_plaintext(plain);
}

void InterceptedSession::on_client_plaintext(std::string_view data) {
  in_.append(data);
  if (!hold()) return;
  parse();
}

bool InterceptedSession::hold() {
  const std::size_t bytes =
      in_.size() + scanning_bytes_ + (parser_ ? parser_->get().body().size() : 0);
  if (held_.set(bytes)) return true;
  refuse(503, "pipelock holds " + std::to_string(shared_.held.held()) +
                  " bytes of requests not yet scanned across all tunnels, its budget is " +
                  std::to_string(shared_.held.budget()) + ": retry once fewer are in flight");
  return false;
}

void InterceptedSession::parse() {
  while (phase_ == Phase::reading) {
    // A request is done once its head is checked (and scanned) and its body
    // read; one without a body is done with its head.
    if (head_checked_ && parser_->is_done()) {
      request_read();
      continue;
    }
    if (in_.empty()) break;
    boost::beast::error_code ec;
    const std::size_t used = parser_->put(boost::asio::buffer(in_.data(), in_.size()), ec);
    in_.erase(0, used);
    if (!head_checked_ && parser_->is_header_done()) {
      head_checked_ = true;
      if (!check_head()) return;
      // The head's DLP scan: the body (still in in_: the parser stops after
      // a head) waits for it.
      Request head(parser_->get().base());
      start_scan(DlpScans::Part::head, std::move(head),
                 [this](Request, std::optional<DlpFinding> finding) {
                   on_head_scanned(std::move(finding));
                 });
      return;
    }
    if (ec == http::error::need_more) break;
    if (ec == http::error::header_limit) {
      refuse(431, "request header larger than " + std::to_string(ctx_.max_header_bytes) + " bytes");
      return;
    }
    if (ec == http::error::body_limit) {
      refuse(413, "request body larger than " + std::to_string(ctx_.max_body_bytes) +
                      " bytes, more than DLP reads (request_body_scanning.max_body_bytes)");
      return;
    }
    if (ec) {
      refuse(400, "malformed request: " + ec.message());
      return;
    }
    if (used == 0 && !parser_->is_done()) break;
  }
}

void InterceptedSession::start_scan(DlpScans::Part part, Request req, DlpScans::Done done) {
  phase_ = Phase::scanning;
  io_.client_reading(false);
  scan_ = shared_.scans.scan(
      part, std::move(req), [this, done = std::move(done)](Request r, std::optional<DlpFinding> f) {
        scan_.reset();
        scanning_bytes_ = 0;
        if (phase_ != Phase::scanning) return;
        phase_ = Phase::reading;
        try {
          done(std::move(r), std::move(f));
          if (phase_ != Phase::reading) return;
          io_.client_reading(true);
          if (hold()) parse();
        } catch (const std::exception& e) {
          // Nothing of this request went upstream: the tunnel ends here.
          end(std::string("intercepted session failed: ") + e.what());
        }
      });
}

bool InterceptedSession::check_head() {
  const auto& req = parser_->get();
  const std::string_view target = text(req.target());
  head_fields_ = static_cast<std::size_t>(std::distance(req.begin(), req.end()));
  audit_note_.clear();
  path_ = bottle::http::loggable_target(target);
  // Only methods HTTP defines: any other token (a secret, say) would go out
  // as the request line's first word, read by nothing.
  if (req.method() == http::verb::unknown) {
    method_ = bottle::text::shown_input(text(req.method_string()), 12);
    refuse(400, "unknown method");
    return false;
  }
  method_ = std::string(text(req.method_string()));
  // A fragment is never sent by a client; one here would go out unread.
  if (target.find('#') != std::string_view::npos) {
    refuse(400, "request target with a fragment ('#')");
    return false;
  }
  // One canonical target: origin-form, or absolute-form naming this host
  // (rewritten to origin-form before it goes on).
  if (!target.starts_with("/")) {
    const bool options_star = target == "*" && req.method() == http::verb::options;
    std::string problem;
    std::string_view rest = target;
    std::optional<ProxyTarget> absolute;
    if (bottle::text::ascii_iequals(rest.substr(0, 8), "https://")) {
      // parse_absolute_uri reads http:// URLs; the scheme's default port is ours.
      absolute = parse_absolute_uri("http://" + std::string(rest.substr(8)), &problem);
      if (absolute && rest.substr(8).find(':') == std::string_view::npos) absolute->port = 443;
    } else if (bottle::text::ascii_iequals(rest.substr(0, 7), "http://")) {
      absolute = parse_absolute_uri(rest, &problem);
    }
    if (!options_star && !absolute) {
      refuse(400, "request target must be origin-form (/path)");
      return false;
    }
    if (absolute) {
      if (absolute->host != target_.host ||
          (absolute->port != target_.port && rest.substr(8).find(':') != std::string_view::npos)) {
        path_ = "<absolute-form target>";
        if (blocked(403, "request for another host inside a tunnel to " + target_.host)) {
          return false;
        }
      }
      parser_->get().target(absolute->origin_form);
    }
  }
  if (req.count(http::field::host) != 1) {
    refuse(400, req.count(http::field::host) == 0 ? "request without a Host header"
                                                  : "request with more than one Host header");
    return false;
  }
  const std::string_view host_value = text(req[http::field::host]);
  const auto host = host_header_target(host_value, target_.port);
  if (!host || host->host != target_.host || host->port != target_.port) {
    if (blocked(403, "the Host header (" + bottle::text::shown_input(host_value, 64) +
                         ") is not the CONNECT host " + target_.host)) {
      return false;
    }
  }
  if (req.count(http::field::upgrade) > 0) {
    refuse(403,
           "Upgrade (WebSocket) cannot be read through interception: list the host in "
           "tls_interception.passthrough_domains");
    return false;
  }
  if (!bottle::http::plain_transfer_coding(req)) {
    refuse(400, "Transfer-Encoding other than chunked");
    return false;
  }
  const std::string_view expect = text(req[http::field::expect]);
  if (!expect.empty() && !bottle::text::ascii_iequals(expect, "100-continue")) {
    refuse(417, "Expect other than 100-continue");
    return false;
  }
  return true;
}

void InterceptedSession::on_head_scanned(std::optional<DlpFinding> finding) {
  const auto& req = parser_->get();
  if (finding) {
    if (blocked(403, "DLP: " + finding->rule_id + " in " + finding->where, finding->rule_id)) {
      return;
    }
  }
  if (auto why = ctx_.url_entropy.refusal(target_.host, text(req.target()))) {
    if (blocked(403, *why)) return;
  }
  if (!text(req[http::field::expect]).empty()) {
    // 100-continue (check_head refused any other): the body is read whole
    // before anything goes upstream, so pipelock itself asks for it.
    send_to_client("HTTP/1.1 100 Continue\r\n\r\n");
  }
}

void InterceptedSession::request_read() {
  Request req = parser_->release();
  // Beast adds a chunked body's trailer fields to the head, after the head
  // was checked: they would go out as headers nobody read.
  if (static_cast<std::size_t>(std::distance(req.begin(), req.end())) != head_fields_) {
    refuse(400, "chunked trailer fields (the head is read before the body; trailers are not)");
    return;
  }
  new_parser();
  if (!ctx_.scan_bodies || req.body().empty()) {
    forward(std::move(req));
    return;
  }
  scanning_bytes_ = req.body().size();
  start_scan(DlpScans::Part::body, std::move(req),
             [this](Request r, std::optional<DlpFinding> finding) {
               on_body_scanned(std::move(r), std::move(finding));
             });
}

void InterceptedSession::on_body_scanned(Request req, std::optional<DlpFinding> finding) {
  if (finding) {
    if (blocked(403, "DLP: " + finding->rule_id + " in " + finding->where, finding->rule_id)) {
      return;
    }
  }
  forward(std::move(req));
}

void InterceptedSession::forward(Request req) {
  for (auto field : {http::field::proxy_connection, http::field::proxy_authorization,
                     http::field::keep_alive, http::field::expect}) {
    req.erase(field);
  }
  if (req.chunked() || req.has_content_length() || !req.body().empty()) {
    req.chunked(false);
    req.content_length(req.body().size());
  }
  std::ostringstream wire;
  wire << req;
  const std::string bytes = wire.str();
  send_to_upstream(bytes);
  ++requests_;
  Decision d = request_decision();
  d.reason = audit_note_.empty() ? "forwarded" : audit_note_;
  d.bytes_to_upstream = bytes.size();
  io_.decided(d);
  audit_note_.clear();
}

bool InterceptedSession::blocked(unsigned status, const std::string& reason,
                                 const std::string& rule) {
  if (!ctx_.blocking) {
    // The first check that would have refused is the one a refusal would name.
    if (audit_note_.empty()) audit_note_ = "audit: would block: " + reason;
    return false;
  }
  refuse(status, reason, rule);
  return true;
}

void InterceptedSession::refuse(unsigned status, const std::string& reason,
                                const std::string& rule) {
  if (!open()) return;
  scan_.reset();  // a refusal while a scan is out (the budget): its result is moot
  Decision d = request_decision();
  d.allowed = false;
  d.reason = reason;
  d.rule = rule;
  io_.decided(d);
  phase_ = Phase::refused;
  send_to_client(bottle::http::complete_response(
      status, {{"Content-Type", "text/plain"}, {"X-Pipelock-Block-Reason", reason}},
      "blocked: " + reason + "\n"));
  if (client_tls_) client_tls_->close();
  flush_client();
  // Through TLS the answer waits for the handshake to finish (from_client ends then).
  if (!client_tls_ || client_tls_->established()) end("refused");
}

void InterceptedSession::abandon() {
  phase_ = Phase::ended;
  scan_.reset();
}

void InterceptedSession::client_ended() {
  if (phase_ == Phase::ended) return;
  end(phase_ == Phase::refused ? "refused" : "the agent closed the tunnel");
}

// --- the upstream's side ---------------------------------------------------

void InterceptedSession::from_upstream(std::string_view bytes) {
  // While a scan is out, responses to the requests before it still come.
  if (!open()) return;
  std::string plain;
  if (layer_ == Layer::tls) {
    const auto failure = upstream_tls_->receive(bytes, plain);
    flush_upstream();
    if (failure) {
      if (response_bytes_ == 0) {
        refuse(502, "upstream " + target_.host + ": " + *failure);
      } else {
        end("upstream TLS failed: " + *failure);
      }
      return;
    }
  } else {
    plain.assign(bytes);
  }
  if (!plain.empty()) {
    response_bytes_ += plain.size();
    send_to_client(plain);
  }
  if (upstream_tls_ && upstream_tls_->peer_closed()) upstream_ended();
}

void InterceptedSession::upstream_ended() {
  if (!open()) return;
  if (client_tls_) client_tls_->close();
  flush_client();
  end("upstream closed");
}

// --- plumbing --------------------------------------------------------------

void InterceptedSession::send_to_client(std::string_view plaintext) {
  if (client_tls_) {
    client_tls_->send(plaintext);
    flush_client();
  } else {
    io_.to_client(std::string(plaintext));
  }
}

void InterceptedSession::send_to_upstream(std::string_view plaintext) {
  if (upstream_tls_) {
    upstream_tls_->send(plaintext);
    flush_upstream();
  } else {
    io_.to_upstream(std::string(plaintext));
  }
}

void InterceptedSession::flush_client() {
  if (!client_tls_) return;
  std::string out = client_tls_->take_output();
  if (!out.empty()) io_.to_client(std::move(out));
}

void InterceptedSession::flush_upstream() {
  if (!upstream_tls_) return;
  std::string out = upstream_tls_->take_output();
  if (!out.empty()) io_.to_upstream(std::move(out));
}

void InterceptedSession::end(const std::string& why) {
  if (phase_ == Phase::ended) return;
  phase_ = Phase::ended;
  scan_.reset();
  io_.end(why);
}

}  // namespace pipelock
