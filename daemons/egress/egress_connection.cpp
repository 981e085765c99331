#include "egress_connection.hpp"

#include <openssl/crypto.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <limits>

#include "bottle/http/chunked.hpp"
#include "bottle/http/loggable_target.hpp"
#include "bottle/http/message_codings.hpp"
#include "bottle/text/join.hpp"
#include "git_push_guard.hpp"

namespace egress {

using bottle::http::BodyInflater;
using bottle::http::content_coding_of;
using bottle::http::ContentCoding;
using bottle::http::plain_transfer_coding;

namespace http = boost::beast::http;
using bottle::http::chunk;
using bottle::http::kLastChunk;

namespace {

// Past this many bytes queued towards one side, stop reading the other; an
// agent may also have this much read ahead of its current request.
constexpr std::size_t kHighWater = 256 * 1024;
// At most this much of a compressed body is decoded at once (a body can
// inflate a thousandfold); the rest waits until the agent has read it.
constexpr std::size_t kDecodeBudget = 256 * 1024;

// Bodies stream through and none is held, so their size needs no limit. Not
// boost::none: Boost 1.74 compares a Content-Length against an empty limit
// as "exceeded".
constexpr std::uint64_t kNoBodyLimit = std::numeric_limits<std::uint64_t>::max();

bool is_interim(unsigned status) { return status >= 100 && status < 200 && status != 101; }

void add_once(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

std::string seconds_text(int seconds) { return std::to_string(seconds) + "s"; }

}  // namespace

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::kIdle:
      return "idle";
    case Phase::kReadingHead:
      return "reading head";
    case Phase::kConnecting:
      return "connecting";
    case Phase::kStreaming:
      return "streaming";
    case Phase::kAnswered:
      return "answered";
    case Phase::kClosing:
      return "closing";
    case Phase::kClosed:
      return "closed";
  }
  return "?";
}

EgressConnection::EgressConnection(ConnectionContext& context, std::uint64_t id,
                                   std::unique_ptr<bottle::uv::TcpStream> client)
    : context_(context),
      id_(id),
      client_(std::move(client)),
      peer_(client_->peer()),
      head_timer_(context.loop()),
      connect_timer_(context.loop()),
      response_timer_(context.loop()),
      idle_timer_(context.loop()),
      next_turn_(context.loop()),
      drop_turn_(context.loop()) {}

EgressConnection::~EgressConnection() { wipe_upstream_head(); }

void EgressConnection::wipe_upstream_head() {
  // The serialised head holds the token: it is wiped, not just freed.
  auto& head = exchange_.upstream_head;
  if (!head.empty()) OPENSSL_cleanse(head.data(), head.size());
  head.clear();
}

void EgressConnection::start() {
  client_->read([this](std::string_view data) { on_client_data(data); },
                [this](int status) { on_client_end(status); });
  begin_request();
}

void EgressConnection::reject(const std::string& why) {
  exchange_.record.client = peer_;
  begin_exchange();
  answer(503, "egress: " + why + "\n", why);
}

// --- the agent's side -------------------------------------------------------

void EgressConnection::begin_request() {
  upstream_.close_if_unfit();
  upstream_.new_request();
  upstream_in_.clear();
  wipe_upstream_head();
  exchange_ = Exchange{};
  exchange_.request = std::make_unique<RequestParser>();
  exchange_.request->header_limit(static_cast<std::uint32_t>(context_.settings().max_header_bytes));
  exchange_.request->body_limit(kNoBodyLimit);
  exchange_.request->get().body().sink = [this](std::string_view d) { on_request_body(d); };
  exchange_.record.client = peer_;
  phase_ = Phase::kIdle;
  if (!context_.serving()) {
    finish("egress stopping");
    return;
  }
  const int seconds = context_.settings().header_timeout_seconds;
  head_timer_.start(static_cast<std::uint64_t>(seconds) * 1000, [this, seconds] {
    if (phase_ == Phase::kIdle) {
      finish("idle between requests");
    } else {
      answer(408, "egress: request head not complete within " + seconds_text(seconds) + "\n",
             "request head timeout");
    }
  });
  if (!client_in_.empty()) {
    // A pipelined request arrived with the last one.
    begin_exchange();
    feed_request();
  }
  update_client_reading();
}

void EgressConnection::begin_exchange() {
  phase_ = Phase::kReadingHead;
  exchange_.logged = false;
  exchange_.started = std::chrono::steady_clock::now();
  touch();
}

void EgressConnection::on_client_data(std::string_view data) {
  if (phase_ == Phase::kClosing || phase_ == Phase::kClosed) return;
  if (phase_ == Phase::kIdle) begin_exchange();
  client_in_.append(data);
  touch();
  feed_request();
  update_client_reading();
}

void EgressConnection::on_client_end(int status) {
  switch (phase_) {
    case Phase::kIdle:
      finish("client closed");
      return;
    case Phase::kAnswered:
      close_after_writes("client closed");  // what is queued still goes, if it can
      return;
    case Phase::kClosed:
      return;
    case Phase::kClosing:
      finish("client closed while egress was answering");
      return;
    case Phase::kReadingHead:
    case Phase::kConnecting:
    case Phase::kStreaming:
      // An agent that goes away takes its exchange, and the upstream
      // connection, with it: nobody is left to read the answer.
      if (status < 0) {
        abort(std::string("client connection error: ") + uv_strerror(status));
      } else if (exchange_.request && exchange_.request->is_done()) {
        abort("client closed the connection before the response was complete");
      } else {
        abort("client closed before its request was complete");
      }
      return;
  }
}

void EgressConnection::update_client_reading() {
  // Reading goes on while a response is awaited, so an agent that leaves is
  // noticed at once; what it sends meanwhile (a pipelined request, a body
  // the upstream cannot take yet) is kept up to kHighWater.
  const UpstreamChannel* channel = upstream_.in_use() ? upstream_.channel() : nullptr;
  const bool reading = phase_ != Phase::kClosing && phase_ != Phase::kClosed &&
                       client_in_.size() < kHighWater &&
                       !(channel && channel->write_queue_bytes() > kHighWater);
  if (reading) {
    client_->resume_reading();
  } else {
    client_->pause_reading();
  }
}

void EgressConnection::feed_request() {
  RequestParser& request = *exchange_.request;
  while (!request.is_done()) {
    if (phase_ != Phase::kReadingHead && phase_ != Phase::kStreaming) return;
    const bool head_was_done = request.is_header_done();
    if (client_in_.empty()) break;
    boost::beast::error_code ec;
    const std::size_t used =
        request.put(boost::asio::buffer(client_in_.data(), client_in_.size()), ec);
    client_in_.erase(0, used);
    if (ec == http::error::need_more) {
      if (!head_was_done && client_in_.size() > context_.settings().max_header_bytes) {
        answer(431, "egress: request head too large\n", "request head too large");
      }
      break;
    }
    if (ec == http::error::header_limit) {
      answer(431, "egress: request head too large\n", "request head too large");
      return;
    }
    if (ec) {
      if (!head_was_done) {
        answer(400, "egress: malformed request: " + ec.message() + "\n", "malformed request");
      } else if (!exchange_.response_head) {
        answer(400, "egress: malformed request body: " + ec.message() + "\n",
               "malformed request body");
      } else {
        abort("malformed request body: " + ec.message());
      }
      return;
    }
    if (!head_was_done && request.is_header_done()) {
      on_request_head();
      return;
    }
    if (used == 0) break;
  }
  if (phase_ == Phase::kStreaming && request.is_done() && !exchange_.request_done) {
    on_request_done();
  }
}

void EgressConnection::on_request_head() {
  head_timer_.stop();
  const auto& req = exchange_.request->get();
  RequestRecord& record = exchange_.record;
  record.method = std::string(req.method_string());
  const std::string_view raw_target(req.target().data(), req.target().size());
  if (bottle::config::method_never_forwarded(record.method)) {
    record.path = bottle::http::loggable_target(raw_target);
    answer(405,
           "egress: " + record.method +
               " is never forwarded (TRACE and TRACK send the request back, the route's token "
               "included; CONNECT would open a tunnel past the route)\n",
           record.method + " refused",
           {{"Allow", bottle::text::join(bottle::config::default_route_methods(), ", ")}});
    return;
  }
  std::string problem;
  exchange_.target = parse_agent_target(raw_target, &problem);
  if (!exchange_.target) {
    record.path = bottle::http::loggable_target(raw_target);
    answer(400, "egress: " + problem + "\n", problem);
    return;
  }
  const AgentTarget& target = *exchange_.target;
  record.host = target.host;
  record.path = loggable_path(target);
  if (!plain_transfer_coding(req)) {
    answer(400, "egress: a request's Transfer-Encoding may only be \"chunked\"\n",
           "Transfer-Encoding other than chunked");
    return;
  }
  if (is_git_push(target)) {
    answer(403, git_push_refusal_body(), "git push refused");
    return;
  }
  // The table current now serves this request to its end, whatever a reload does meanwhile.
  const auto table = context_.current_routes();
  const bottle::config::Route* route = table->match(target.host, target.path);
  if (!route) {
    const std::string why = "no route for " + target.host + target.path;
    answer(403, "egress: " + why + " (the operator adds routes with `bottle routes add`)\n", why);
    return;
  }
  record.route = route->key();
  if (!route->allows(record.method)) {
    answer(405,
           "egress: the route " + route->key() + " does not forward " + record.method +
               " (it forwards " + bottle::text::join(route->methods, ", ") + ")\n",
           record.method + " not allowed on this route",
           {{"Allow", bottle::text::join(route->methods, ", ")}});
    return;
  }
  const auto token = context_.tokens().find(route->token_env);
  const ReflectionPatterns* patterns = context_.tokens().patterns(route->token_env);
  if (!token || !patterns) {
    answer(502, "egress: no token for route " + route->key() + "\n", "no token");
    return;
  }
  exchange_.head_only = req.method() == http::verb::head;
  if (auto expect = req.find(http::field::expect); expect != req.end()) {
    exchange_.expect_continue = boost::beast::iequals(expect->value(), "100-continue");
  }
  if (exchange_.request->chunked()) {
    exchange_.request_framing = {Framing::kChunked, 0};
  } else if (auto length = exchange_.request->content_length()) {
    exchange_.request_framing = {Framing::kLength, *length};
  } else {
    exchange_.request_framing = {Framing::kNone, 0};
  }
  exchange_.route = *route;
  exchange_.token = *token;
  exchange_.patterns = patterns;
  phase_ = Phase::kConnecting;
  send_upstream();
}

void EgressConnection::on_request_body(std::string_view data) {
  exchange_.record.bytes_to_upstream += data.size();
  UpstreamChannel* channel = upstream_.channel();
  if (!channel) return;
  if (exchange_.request_framing.kind == Framing::kChunked) {
    channel->write(chunk(data));
  } else {
    channel->write(data);
  }
}

void EgressConnection::on_request_done() {
  exchange_.request_done = true;
  if (exchange_.request_framing.kind == Framing::kChunked) {
    upstream_.channel()->write(std::string(kLastChunk));
  }
  if (exchange_.response_head) return;
  // From here the upstream owes an answer; waiting for it is bounded by the
  // response timeout alone, which says what happened.
  idle_timer_.stop();
  const int seconds = context_.settings().response_timeout_seconds;
  response_timer_.start(static_cast<std::uint64_t>(seconds) * 1000, [this, seconds] {
    if (exchange_.response_head || phase_ != Phase::kStreaming) return;
    const std::string why = upstream_.channel()->describe() + ": no response within " +
                            seconds_text(seconds) + " (egress --response-timeout)";
    answer(504, "egress: " + why + "\n", why);
    upstream_.drop();
  });
}

// --- the upstream's side ----------------------------------------------------

void EgressConnection::send_upstream() {
  wipe_upstream_head();
  const UpstreamUrl url = UpstreamUrl::parse(exchange_.route->upstream);
  exchange_.upstream_head =
      upstream_request_head(exchange_.request->get().base(), *exchange_.target, *exchange_.route,
                            exchange_.token, url, exchange_.request_framing);
  exchange_.upstream_key = url.host + ":" + std::to_string(url.port);
  new_response_parser();
  // The last request's channel to the same upstream, if it is still good:
  // this request skips the dial, the CONNECT and the TLS handshake.
  if (upstream_.reuse_for(exchange_.upstream_key, std::chrono::steady_clock::now())) {
    on_upstream_ready();
    return;
  }
  UpstreamChannel::Callbacks cb;
  cb.ready = [this] { on_upstream_ready(); };
  cb.data = [this](std::string_view d) { on_upstream_data(d); };
  cb.end = [this] { on_upstream_end(); };
  cb.failed = [this](const std::string& why) { on_upstream_failed(why); };
  cb.drained = [this] { update_client_reading(); };
  UpstreamChannel& channel = upstream_.adopt(
      exchange_.upstream_key, context_.new_channel(url.host, url.port, std::move(cb)));
  const int seconds = context_.settings().connect_timeout_seconds;
  connect_timer_.start(static_cast<std::uint64_t>(seconds) * 1000, [this, seconds] {
    on_upstream_failed(upstream_.channel()->describe() + ": not connected within " +
                       seconds_text(seconds));
  });
  channel.open();
}

void EgressConnection::on_upstream_ready() {
  connect_timer_.stop();
  phase_ = Phase::kStreaming;
  UpstreamChannel& channel = *upstream_.channel();
  channel.write(exchange_.upstream_head);
  wipe_upstream_head();
  if (exchange_.expect_continue && !exchange_.request->is_done()) {
    client_->write("HTTP/1.1 100 Continue\r\n\r\n");
  }
  exchange_.request->eager(true);
  touch();
  feed_request();
  update_client_reading();
}

void EgressConnection::on_upstream_data(std::string_view data) {
  if (!upstream_.in_use()) {
    // Bytes nobody asked for, on a kept channel: never reuse it.
    upstream_.spoil();
    drop_turn_.schedule([this] { upstream_.close_if_unfit(); });
    return;
  }
  if (phase_ != Phase::kStreaming || exchange_.response_parsed) return;
  upstream_in_.append(data);
  touch();
  // What this read answers (a response's head, its body, the last chunk)
  // leaves in one writev.
  client_->cork();
  feed_response();
  client_->uncork();
}

void EgressConnection::on_upstream_end() {
  if (!upstream_.in_use()) {
    upstream_.spoil();  // closed while idle: the next request dials afresh
    drop_turn_.schedule([this] { upstream_.close_if_unfit(); });
    return;
  }
  if (phase_ != Phase::kStreaming || exchange_.response_parsed) return;
  ResponseParser& response = *exchange_.response;
  if (response.is_header_done()) {
    boost::beast::error_code ec;
    response.put_eof(ec);
    if (!ec && response.is_done()) {
      exchange_.response_parsed = true;
      complete_response();
      return;
    }
  }
  on_upstream_failed(upstream_.channel()->describe() + ": closed before the response was complete");
}

void EgressConnection::on_upstream_failed(const std::string& why) {
  if (!upstream_.in_use()) {
    upstream_.spoil();
    drop_turn_.schedule([this] { upstream_.close_if_unfit(); });
    return;
  }
  if ((phase_ != Phase::kConnecting && phase_ != Phase::kStreaming) || exchange_.response_parsed) {
    return;
  }
  connect_timer_.stop();
  if (upstream_.may_retry(exchange_.response_head,
                          exchange_.request_framing.kind != Framing::kNone)) {
    // The upstream closed the kept channel as this request went out (its
    // idle timeout): nothing was answered and there is no body to resend,
    // so the request goes again on a new connection, outside the failed
    // channel's callbacks.
    phase_ = Phase::kConnecting;
    next_turn_.schedule([this] {
      upstream_.retrying();
      upstream_in_.clear();
      exchange_.request_done = false;  // it goes out again, and the response timer with it
      response_timer_.stop();
      send_upstream();
    });
    return;
  }
  if (exchange_.response_head) {
    // The status line is out: all that is left is to cut the response short.
    abort(why);
    return;
  }
  answer(502, "egress: " + why + "\n", why);
}

void EgressConnection::new_response_parser() {
  exchange_.response = std::make_unique<ResponseParser>();
  exchange_.response->header_limit(
      static_cast<std::uint32_t>(context_.settings().max_header_bytes));
  exchange_.response->body_limit(kNoBodyLimit);
  exchange_.response->skip(exchange_.head_only);
  exchange_.response->get().body().sink = [this](std::string_view d) { on_response_body(d); };
}

void EgressConnection::feed_response() {
  while (phase_ == Phase::kStreaming && !exchange_.response_parsed && !upstream_in_.empty()) {
    if (exchange_.response_body && exchange_.response_body->backlogged()) break;
    ResponseParser& response = *exchange_.response;
    const bool head_was_done = response.is_header_done();
    boost::beast::error_code ec;
    const std::size_t used =
        response.put(boost::asio::buffer(upstream_in_.data(), upstream_in_.size()), ec);
    upstream_in_.erase(0, used);
    if (!exchange_.response_problem.empty()) {
      abort(exchange_.response_problem);
      return;
    }
    if (ec == http::error::need_more) break;
    if (ec) {
      on_upstream_failed(upstream_.channel()->describe() + ": malformed response: " + ec.message());
      return;
    }
    if (!head_was_done && response.is_header_done()) {
      if (is_interim(response.get().result_int())) {
        new_response_parser();  // 100 Continue and the like: egress answered the agent already
        continue;
      }
      on_response_head();
      if (phase_ != Phase::kStreaming) return;
    }
    if (response.is_done()) {
      exchange_.response_parsed = true;
      complete_response();
      return;
    }
    if (used == 0) break;
  }
  if (phase_ == Phase::kStreaming &&
      (client_->write_queue_bytes() > kHighWater ||
       (exchange_.response_body && exchange_.response_body->backlogged()))) {
    wait_for_client();
  }
}

void EgressConnection::on_response_head() {
  response_timer_.stop();
  const auto& res = exchange_.response->get();
  const unsigned status = res.result_int();
  exchange_.record.status = static_cast<int>(status);
  const std::string upstream = upstream_.channel()->describe();
  if (!plain_transfer_coding(res)) {
    answer(502, "egress: " + upstream + " answered with a Transfer-Encoding other than chunked\n",
           "response Transfer-Encoding other than chunked");
    return;
  }
  const bool no_body = exchange_.head_only || status == 204 || status == 304;
  const ContentCoding coding = content_coding_of(res);
  const bool decoded =
      coding.kind == ContentCoding::kGzip || coding.kind == ContentCoding::kDeflate;
  if (!no_body && coding.kind == ContentCoding::kUnreadable) {
    // The guard must read every body it passes; this one it cannot.
    answer(502,
           "egress: " + upstream + " sent a body in an encoding egress cannot check for the " +
               "route's token (Content-Encoding: " + coding.value + ")\n",
           "unreadable Content-Encoding");
    return;
  }
  std::optional<BodyInflater::Coding> inflate;
  if (!no_body && coding.kind == ContentCoding::kGzip) inflate = BodyInflater::Coding::kGzip;
  if (!no_body && coding.kind == ContentCoding::kDeflate) inflate = BodyInflater::Coding::kDeflate;

  const bool http11 = exchange_.request->get().version() >= 11;
  Framing& framing = exchange_.response_framing;
  if (no_body) {
    framing = {Framing::kNone, 0};
  } else if (auto length = exchange_.response->content_length();
             length && !exchange_.response->chunked() && !inflate) {
    // The guard replaces a token with as many bytes: the length holds.
    framing = {Framing::kLength, *length};
  } else {
    framing = {http11 ? Framing::kChunked : Framing::kUntilClose, 0};
  }
  exchange_.keep_alive =
      exchange_.request->get().keep_alive() && framing.kind != Framing::kUntilClose;
  exchange_.response_body = std::make_unique<ResponseBody>(*exchange_.patterns, inflate);
  const std::string head = agent_response_head(res.base(), framing, exchange_.keep_alive, decoded);
  ReflectionMatcher guard(*exchange_.patterns);
  std::string guarded;
  guard.feed(head, guarded);
  guard.finish(guarded);
  note_redactions(guard, guarded);
  client_->write(std::move(guarded));
  exchange_.response_head = true;
  exchange_.response->eager(true);
  touch();
}

void EgressConnection::on_response_body(std::string_view data) {
  // Runs inside the parser: a problem is noted for feed_response to act on.
  if (!exchange_.response_body || !exchange_.response_problem.empty()) return;
  std::string out;
  if (!exchange_.response_body->take(data, out, kDecodeBudget)) {
    exchange_.response_problem =
        upstream_.channel()->describe() + ": the response's compressed body is corrupt";
    return;
  }
  send_body(out);
}

void EgressConnection::complete_response() {
  ResponseBody* body = exchange_.response_body.get();
  if (body && body->backlogged()) {
    wait_for_client();  // on_client_drained() comes back here
    return;
  }
  std::string out;
  if (body && !body->finish(out)) {
    abort(upstream_.channel()->describe() + ": the response's compressed body ends early");
    return;
  }
  send_body(out);
  if (exchange_.response_framing.kind == Framing::kChunked) {
    client_->write(std::string(kLastChunk));
  }
  end_exchange();
}

void EgressConnection::send_body(const std::string& bytes) {
  if (bytes.empty()) return;
  exchange_.record.bytes_to_client += bytes.size();
  if (exchange_.response_framing.kind == Framing::kChunked) {
    client_->write(chunk(bytes));
  } else {
    client_->write(bytes);
  }
}

void EgressConnection::wait_for_client() {
  if (waiting_for_client_) return;
  waiting_for_client_ = true;
  if (upstream_.in_use()) upstream_.channel()->pause_reading();
  // Writes complete in order: once this empty one is done, the agent has
  // taken everything before it.
  client_->write(std::string(), [this](int status) {
    waiting_for_client_ = false;
    if (status < 0) {
      abort(std::string("client connection error: ") + uv_strerror(status));
      return;
    }
    on_client_drained();
  });
}

void EgressConnection::on_client_drained() {
  if (phase_ != Phase::kStreaming) return;
  ResponseBody* body = exchange_.response_body.get();
  if (body && body->backlogged()) {
    std::string out;
    if (!body->resume(out, kDecodeBudget)) {
      abort(upstream_.channel()->describe() + ": the response's compressed body is corrupt");
      return;
    }
    send_body(out);
    if (body->backlogged()) {
      wait_for_client();
      return;
    }
  }
  if (exchange_.response_parsed) {
    complete_response();
    return;
  }
  if (upstream_.in_use()) upstream_.channel()->resume_reading();
  feed_response();
}

// --- endings ----------------------------------------------------------------

void EgressConnection::end_exchange() {
  response_timer_.stop();
  idle_timer_.stop();
  if (!exchange_.request_done) {
    // Answered while the agent was still sending: the rest of its request
    // cannot be told from a next one.
    log_exchange();
    close_after_writes("answered before the request was complete");
    return;
  }
  log_exchange();
  upstream_.release(exchange_.response->keep_alive() && upstream_in_.empty() &&
                        exchange_.response_framing.kind != Framing::kUntilClose,
                    std::chrono::steady_clock::now());
  phase_ = Phase::kAnswered;
  if (!exchange_.keep_alive) {
    close_after_writes("done");
    return;
  }
  // Not from inside the upstream's callbacks: the next request may replace the channel.
  next_turn_.schedule([this] { begin_request(); });
}

void EgressConnection::note_redactions(const ReflectionMatcher& matcher, const std::string& head) {
  if (matcher.replaced() == 0) return;
  RedactionRecord& r = exchange_.redaction;
  r.replaced += matcher.replaced();
  for (const auto& found : matcher.replacements()) {
    std::string where = "body";
    if (!head.empty()) {
      // `head` is the guarded head: a header's name cannot hold the token any more.
      const std::size_t eol = head.rfind("\r\n", found.offset);
      if (eol == std::string::npos) {
        where = "status line";
      } else {
        const std::size_t start = eol + 2;
        where = "header " + head.substr(start, head.find(':', start) - start);
      }
    }
    add_once(r.found_in, where);
    add_once(r.forms, std::string(form_name(found.form)) +
                          (found.percent_encoded ? " (percent-encoded)" : ""));
  }
}

void EgressConnection::answer(int status, const std::string& body, const std::string& note,
                              const Headers& extra) {
  if (phase_ == Phase::kClosing || phase_ == Phase::kClosed) return;
  exchange_.record.status = status;
  exchange_.record.note = note;
  log_exchange();
  connect_timer_.stop();
  head_timer_.stop();
  response_timer_.stop();
  client_->write(local_response(status, body, extra));
  close_after_writes(note);
}

void EgressConnection::touch() {
  // While the upstream owes its response head, the response timeout rules.
  if (exchange_.request_done && !exchange_.response_head) return;
  const int seconds = context_.settings().idle_timeout_seconds;
  idle_timer_.start(static_cast<std::uint64_t>(seconds) * 1000,
                    [this, seconds] { abort("no traffic for " + seconds_text(seconds)); });
}

void EgressConnection::close_after_writes(const std::string& why) {
  phase_ = Phase::kClosing;
  idle_timer_.stop();
  next_turn_.cancel();
  update_client_reading();
  // Writes complete in order: once this empty one is done, the rest is out.
  client_->write(std::string(), [this, why](int) { finish(why); });
}

void EgressConnection::abort(const std::string& why) {
  if (phase_ == Phase::kClosed) return;
  if (exchange_.record.note.empty()) exchange_.record.note = why;
  log_exchange();
  finish(why);
}

void EgressConnection::log_exchange() {
  if (exchange_.logged) return;
  exchange_.logged = true;
  RequestRecord& record = exchange_.record;
  record.duration = std::chrono::steady_clock::now() - exchange_.started;
  if (exchange_.response_body) note_redactions(exchange_.response_body->matcher(), "");
  if (exchange_.redaction.replaced > 0) {
    RedactionRecord& r = exchange_.redaction;
    r.client = record.client;
    r.route = record.route;
    r.method = record.method;
    r.host = record.host;
    r.path = record.path;
    context_.log().record(r);
  }
  context_.log().record(record);
}

void EgressConnection::finish(const std::string&) {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  head_timer_.stop();
  connect_timer_.stop();
  response_timer_.stop();
  idle_timer_.stop();
  next_turn_.cancel();
  drop_turn_.cancel();
  client_->pause_reading();
  if (UpstreamChannel* channel = upstream_.channel()) channel->pause_reading();
  // Destroyed (the upstream connection with it) on the next loop turn, never
  // inside a callback still running.
  context_.release(id_);
}

}  // namespace egress
