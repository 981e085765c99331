#include "egress_connection.hpp"

#include <openssl/crypto.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <limits>

#include "bottle/http/chunked.hpp"
#include "egress_server.hpp"
#include "git_push_guard.hpp"

namespace egress {

namespace http = boost::beast::http;
using bottle::http::chunk;
using bottle::http::kLastChunk;

namespace {

// Past this many bytes queued towards one side, stop reading the other.
constexpr std::size_t kHighWater = 256 * 1024;
// An upstream channel left idle longer than this is not reused: servers close
// idle connections after a while, and a request sent just as they do fails.
constexpr auto kReuseWithin = std::chrono::seconds(4);

// Bodies stream through and none is held, so their size needs no limit. Not
// boost::none: Boost 1.74 compares a Content-Length against an empty limit
// as "exceeded".
constexpr std::uint64_t kNoBodyLimit = std::numeric_limits<std::uint64_t>::max();

bool is_interim(unsigned status) { return status >= 100 && status < 200 && status != 101; }

}  // namespace

EgressConnection::EgressConnection(EgressServer& server, std::uint64_t id,
                                   std::unique_ptr<bottle::uv::TcpStream> client)
    : server_(server),
      id_(id),
      client_(std::move(client)),
      head_timer_(server.loop()),
      connect_timer_(server.loop()),
      idle_timer_(server.loop()),
      next_timer_(server.loop()),
      retry_timer_(server.loop()),
      peer_(client_->peer()) {}

EgressConnection::~EgressConnection() {
  if (!upstream_head_.empty()) OPENSSL_cleanse(upstream_head_.data(), upstream_head_.size());
}

void EgressConnection::start() {
  client_->read([this](std::string_view data) { on_client_data(data); },
                [this](int status) { on_client_end(status); });
  begin_request();
}

void EgressConnection::reject(const std::string& why) {
  record_ = {};
  record_.client = peer_;
  started_ = std::chrono::steady_clock::now();
  logged_ = false;
  answer(503, "egress: " + why + "\n", why);
}

void EgressConnection::begin_request() {
  if (!upstream_reusable_) upstream_.reset();
  upstream_in_.clear();
  response_.reset();
  request_ = std::make_unique<RequestParser>();
  request_->header_limit(static_cast<std::uint32_t>(server_.settings().max_header_bytes));
  request_->body_limit(kNoBodyLimit);
  request_->get().body().sink = [this](std::string_view d) { on_request_body(d); };
  target_.reset();
  in_exchange_ = false;
  head_only_ = expect_continue_ = upstream_ready_ = request_done_ = false;
  reused_ = retried_ = false;
  route_.reset();
  token_ = {};
  response_started_ = exchange_over_ = keep_alive_ = false;
  record_ = {};
  record_.client = peer_;
  logged_ = true;
  const int seconds = server_.settings().header_timeout_seconds;
  head_timer_.start(static_cast<std::uint64_t>(seconds) * 1000, [this, seconds] {
    if (!in_exchange_ && client_in_.empty()) {
      finish("idle between requests");
    } else {
      answer(408, "egress: request head not complete within " + std::to_string(seconds) + "s\n",
             "request head timeout");
    }
  });
  if (!client_in_.empty()) {
    // A pipelined request arrived with the last one.
    in_exchange_ = true;
    logged_ = false;
    started_ = std::chrono::steady_clock::now();
    feed_request();
  }
  if (!finished_ && !request_->is_header_done()) client_->resume_reading();
}

void EgressConnection::on_client_data(std::string_view data) {
  if (!in_exchange_) {
    in_exchange_ = true;
    logged_ = false;
    started_ = std::chrono::steady_clock::now();
  }
  client_in_.append(data);
  touch();
  feed_request();
}

void EgressConnection::on_client_end(int status) {
  client_eof_ = true;
  if (!in_exchange_) {
    finish("client closed");
  } else if (!request_done_ || status < 0) {
    abort(status < 0 ? std::string("client connection error: ") + uv_strerror(status)
                     : "client closed before its request was complete");
  }
  // Otherwise the response is still owed, and goes out before the close.
}

void EgressConnection::feed_request() {
  while (!finished_ && !request_->is_done()) {
    const bool head_was_done = request_->is_header_done();
    if (head_was_done && !upstream_ready_) return;  // the body waits for the upstream
    if (client_in_.empty()) break;
    boost::beast::error_code ec;
    const std::size_t used =
        request_->put(boost::asio::buffer(client_in_.data(), client_in_.size()), ec);
    client_in_.erase(0, used);
    if (ec == http::error::need_more) {
      if (!head_was_done && client_in_.size() > server_.settings().max_header_bytes) {
        answer(431, "egress: request head too large\n", "request head too large");
      }
      break;
    }
    if (ec == http::error::header_limit) {
      answer(431, "egress: request head too large\n", "request head too large");
      return;
    }
    if (ec) {
      if (head_was_done) {
        abort("malformed request body: " + ec.message());
      } else {
        answer(400, "egress: malformed request: " + ec.message() + "\n", "malformed request");
      }
      return;
    }
    if (!head_was_done && request_->is_header_done()) {
      on_request_head();
      return;
    }
    if (used == 0) break;
  }
  if (finished_) return;
  if (request_->is_header_done() && request_->is_done() && upstream_ready_ && !request_done_) {
    on_request_done();
    return;
  }
  if (upstream_ && upstream_->write_queue_bytes() > kHighWater) client_->pause_reading();
}

void EgressConnection::on_request_head() {
  head_timer_.stop();
  client_->pause_reading();
  const auto& req = request_->get();
  record_.method = std::string(req.method_string());
  std::string problem;
  const std::string_view raw_target(req.target().data(), req.target().size());
  target_ = parse_agent_target(raw_target, &problem);
  if (!target_) {
    record_.path = std::string(raw_target.substr(0, 200));
    answer(400, "egress: " + problem + "\n", problem);
    return;
  }
  record_.host = target_->host;
  record_.path = loggable_path(*target_);
  if (is_git_push(*target_)) {
    answer(403, git_push_refusal_body(), "git push refused");
    return;
  }
  // The table current now serves this request to its end, whatever a reload does meanwhile.
  const auto table = server_.routes().current();
  const bottle::config::Route* route = table->match(target_->host, target_->path);
  if (!route) {
    const std::string why = "no route for " + target_->host + target_->path;
    answer(403, "egress: " + why + " (the operator adds routes with `bottle routes add`)\n", why);
    return;
  }
  record_.route = route->key();
  const auto token = server_.tokens().find(route->token_env);
  if (!token) {
    answer(502, "egress: no token for route " + route->key() + "\n", "no token");
    return;
  }
  head_only_ = req.method() == http::verb::head;
  if (auto expect = req.find(http::field::expect); expect != req.end()) {
    expect_continue_ = boost::beast::iequals(expect->value(), "100-continue");
  }
  if (request_->chunked()) {
    request_framing_ = {Framing::kChunked, 0};
  } else if (auto length = request_->content_length()) {
    request_framing_ = {Framing::kLength, *length};
  } else {
    request_framing_ = {Framing::kNone, 0};
  }
  route_ = *route;
  token_ = *token;
  open_upstream();
}

void EgressConnection::open_upstream() {
  const UpstreamUrl url = UpstreamUrl::parse(route_->upstream);
  upstream_head_ = upstream_request_head(request_->get().base(), *target_, *route_, token_, url,
                                         request_framing_);
  const std::string key = url.host + ":" + std::to_string(url.port);
  new_response_parser();
  upstream_in_use_ = true;
  // The last request's channel to the same upstream, if it is still good:
  // this request skips the dial, the CONNECT and the TLS handshake.
  if (upstream_reusable_ && upstream_ && key == upstream_key_ &&
      std::chrono::steady_clock::now() - upstream_idle_since_ < kReuseWithin) {
    upstream_reusable_ = false;
    reused_ = true;
    upstream_->resume_reading();
    on_upstream_ready();
    return;
  }
  upstream_reusable_ = false;
  upstream_key_ = key;
  UpstreamChannel::Callbacks cb;
  cb.ready = [this] { on_upstream_ready(); };
  cb.data = [this](std::string_view d) {
    if (!upstream_in_use_) {
      upstream_reusable_ = false;  // bytes nobody asked for: never reuse this one
      return;
    }
    upstream_in_.append(d);
    touch();
    feed_response();
  };
  cb.end = [this] { on_upstream_end(); };
  cb.failed = [this](const std::string& why) { on_upstream_failed(why); };
  cb.drained = [this] {
    if (upstream_ && upstream_->write_queue_bytes() < kHighWater / 2 && upstream_ready_ &&
        !request_done_ && !finished_) {
      client_->resume_reading();
    }
  };
  upstream_ = std::make_unique<UpstreamChannel>(server_.loop(), server_.tls(), server_.proxies(),
                                                url.host, url.port, std::move(cb));
  const int seconds = server_.settings().connect_timeout_seconds;
  connect_timer_.start(static_cast<std::uint64_t>(seconds) * 1000, [this, seconds] {
    on_upstream_failed(upstream_->describe() + ": not connected within " + std::to_string(seconds) +
                       "s");
  });
  upstream_->open();
}

void EgressConnection::new_response_parser() {
  response_ = std::make_unique<ResponseParser>();
  response_->header_limit(static_cast<std::uint32_t>(server_.settings().max_header_bytes));
  response_->body_limit(kNoBodyLimit);
  response_->skip(head_only_);
  response_->get().body().sink = [this](std::string_view d) { on_response_body(d); };
}

void EgressConnection::on_upstream_ready() {
  connect_timer_.stop();
  upstream_ready_ = true;
  upstream_->write(upstream_head_);
  OPENSSL_cleanse(upstream_head_.data(), upstream_head_.size());
  upstream_head_.clear();
  if (expect_continue_ && !request_->is_done()) client_->write("HTTP/1.1 100 Continue\r\n\r\n");
  request_->eager(true);
  touch();
  feed_request();
  if (!finished_ && !request_done_ && upstream_->write_queue_bytes() <= kHighWater) {
    client_->resume_reading();
  }
}

void EgressConnection::on_request_body(std::string_view data) {
  record_.bytes_to_upstream += data.size();
  if (request_framing_.kind == Framing::kChunked) {
    upstream_->write(chunk(data));
  } else {
    upstream_->write(data);
  }
}

void EgressConnection::on_request_done() {
  request_done_ = true;
  if (request_framing_.kind == Framing::kChunked) upstream_->write(std::string(kLastChunk));
  // A pipelined next request waits in client_in_ until this one is answered.
  client_->pause_reading();
  if (exchange_over_) end_exchange();
}

void EgressConnection::feed_response() {
  while (!finished_ && !exchange_over_ && !upstream_in_.empty()) {
    const bool head_was_done = response_->is_header_done();
    boost::beast::error_code ec;
    const std::size_t used =
        response_->put(boost::asio::buffer(upstream_in_.data(), upstream_in_.size()), ec);
    upstream_in_.erase(0, used);
    if (ec == http::error::need_more) break;
    if (ec) {
      on_upstream_failed(upstream_->describe() + ": malformed response: " + ec.message());
      return;
    }
    if (!head_was_done && response_->is_header_done()) {
      if (is_interim(response_->get().result_int())) {
        new_response_parser();  // 100 Continue and the like: egress answered the agent already
        continue;
      }
      on_response_head();
      if (finished_) return;
    }
    if (response_->is_done()) {
      exchange_over_ = true;
      if (response_framing_.kind == Framing::kChunked) client_->write(std::string(kLastChunk));
      end_exchange();
      return;
    }
    if (used == 0) break;
  }
  if (!finished_ && client_->write_queue_bytes() > kHighWater) {
    upstream_->pause_reading();
    client_->write(std::string(), [this](int status) {
      if (status == 0 && upstream_ && !finished_) upstream_->resume_reading();
    });
  }
}

void EgressConnection::on_response_head() {
  const auto& res = response_->get();
  const unsigned status = res.result_int();
  record_.status = static_cast<int>(status);
  const bool no_body = head_only_ || status == 204 || status == 304;
  const bool http11 = request_->get().version() >= 11;
  if (no_body) {
    response_framing_ = {Framing::kNone, 0};
  } else if (auto length = response_->content_length(); length && !response_->chunked()) {
    response_framing_ = {Framing::kLength, *length};
  } else {
    response_framing_ = {http11 ? Framing::kChunked : Framing::kUntilClose, 0};
  }
  keep_alive_ = request_->get().keep_alive() && response_framing_.kind != Framing::kUntilClose &&
                !client_eof_;
  client_->write(agent_response_head(res.base(), response_framing_, keep_alive_));
  response_started_ = true;
  response_->eager(true);
}

void EgressConnection::on_response_body(std::string_view data) {
  record_.bytes_to_client += data.size();
  if (response_framing_.kind == Framing::kChunked) {
    client_->write(chunk(data));
  } else {
    client_->write(std::string(data));
  }
}

void EgressConnection::on_upstream_end() {
  if (!upstream_in_use_) {
    upstream_reusable_ = false;  // closed while idle: the next request dials afresh
    return;
  }
  if (finished_ || exchange_over_) return;
  if (response_ && response_->is_header_done()) {
    boost::beast::error_code ec;
    response_->put_eof(ec);
    if (!ec && response_->is_done()) {
      exchange_over_ = true;
      if (response_framing_.kind == Framing::kChunked) client_->write(std::string(kLastChunk));
      end_exchange();
      return;
    }
  }
  on_upstream_failed(upstream_->describe() + ": closed before the response was complete");
}

void EgressConnection::on_upstream_failed(const std::string& why) {
  if (!upstream_in_use_) {
    upstream_reusable_ = false;
    return;
  }
  if (finished_ || exchange_over_) return;
  connect_timer_.stop();
  if (reused_ && !retried_ && !response_started_ && request_framing_.kind == Framing::kNone) {
    // The upstream closed the kept channel as this request went out (its
    // idle timeout): nothing was answered and there is no body to resend,
    // so the request goes again on a new connection.
    retried_ = true;
    reused_ = false;
    upstream_ready_ = false;
    upstream_in_use_ = false;
    retry_timer_.start(0, [this] {
      upstream_.reset();
      open_upstream();
    });
    return;
  }
  if (response_started_) {
    // The status line is out: all that is left is to cut the response short.
    abort(why);
    return;
  }
  answer(502, "egress: " + why + "\n", why);
}

void EgressConnection::end_exchange() {
  // The response is complete; the request may still be arriving (an early answer).
  if (!request_done_) {
    keep_alive_ = false;
    if (!request_->is_done()) {
      log_exchange();
      close_after_writes("answered before the request was complete");
      return;
    }
    return;  // on_request_done() comes back here
  }
  log_exchange();
  idle_timer_.stop();
  upstream_in_use_ = false;
  upstream_reusable_ = upstream_ && response_->keep_alive() && upstream_in_.empty() &&
                       response_framing_.kind != Framing::kUntilClose;
  upstream_idle_since_ = std::chrono::steady_clock::now();
  if (!keep_alive_ || client_eof_) {
    close_after_writes("done");
    return;
  }
  // Not from inside the upstream's callbacks: the next request replaces the channel.
  next_timer_.start(0, [this] { begin_request(); });
}

void EgressConnection::answer(int status, const std::string& body, const std::string& note) {
  if (finished_) return;
  record_.status = status;
  record_.note = note;
  log_exchange();
  connect_timer_.stop();
  head_timer_.stop();
  exchange_over_ = true;
  client_->pause_reading();
  client_->write(local_response(status, body));
  close_after_writes(note);
}

void EgressConnection::touch() {
  const int seconds = server_.settings().idle_timeout_seconds;
  idle_timer_.start(static_cast<std::uint64_t>(seconds) * 1000,
                    [this, seconds] { abort("no traffic for " + std::to_string(seconds) + "s"); });
}

void EgressConnection::close_after_writes(const std::string& why) {
  idle_timer_.stop();
  // Writes complete in order: once this empty one is done, the rest is out.
  client_->write(std::string(), [this, why](int) { finish(why); });
}

void EgressConnection::abort(const std::string& why) {
  if (finished_) return;
  if (record_.note.empty()) record_.note = why;
  log_exchange();
  finish(why);
}

void EgressConnection::log_exchange() {
  if (logged_) return;
  logged_ = true;
  record_.duration = std::chrono::steady_clock::now() - started_;
  server_.log().record(record_);
}

void EgressConnection::finish(const std::string&) {
  if (finished_) return;
  finished_ = true;
  head_timer_.stop();
  connect_timer_.stop();
  idle_timer_.stop();
  next_timer_.stop();
  retry_timer_.stop();
  client_->pause_reading();
  if (upstream_) upstream_->pause_reading();
  server_.release(id_);
}

}  // namespace egress
