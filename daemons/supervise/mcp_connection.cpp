#include "mcp_connection.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

#include "bottle/http/chunked.hpp"
#include "bottle/http/response.hpp"
#include "bottle/proposals/field_rules.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "mcp_server.hpp"

namespace supervise {

namespace http = boost::beast::http;
using bottle::http::chunk;
using bottle::http::kLastChunk;
using bottle::text::escape_for_terminal;

McpConnection::McpConnection(McpServer& server, std::uint64_t id,
                             std::unique_ptr<bottle::uv::TcpStream> client)
    : server_(server),
      id_(id),
      client_(std::move(client)),
      request_timer_(server.loop()),
      idle_timer_(server.loop()),
      keepalive_timer_(server.loop()),
      stream_idle_timer_(server.loop()),
      peer_(client_->peer()) {}

void McpConnection::start() {
  new_parser();
  client_->read([this](std::string_view data) { on_data(data); },
                [this](int status) { on_end(status); });
}

void McpConnection::reject(const std::string& why) {
  server_.log().warn("{}: refused: {}", peer_, why);
  fail_request(503, "Service Unavailable: " + why);
}

void McpConnection::new_parser() {
  parser_ = std::make_unique<Parser>();
  parser_->header_limit(static_cast<std::uint32_t>(server_.settings().max_header_bytes));
  parser_->body_limit(server_.settings().max_body_bytes);
  if (!in_.empty()) {
    // The next request is already arriving (pipelined): it has its own deadline.
    phase_ = Phase::kReading;
    const int seconds = server_.settings().request_timeout_seconds;
    request_timer_.start(static_cast<std::uint64_t>(seconds) * 1000, [this, seconds] {
      fail_request(408, "Request Timeout: the request was not complete within " +
                            std::to_string(seconds) + "s");
    });
    return;
  }
  phase_ = Phase::kIdle;
  idle_since_ = std::chrono::steady_clock::now();
  const int idle = server_.settings().idle_timeout_seconds;
  idle_timer_.start(static_cast<std::uint64_t>(idle) * 1000,
                    [this] { finish("idle between requests"); });
}

void McpConnection::on_data(std::string_view data) {
  // A client does not send on its event stream; pipelined requests behind a
  // GET would wait forever, so they are not taken.
  if (phase_ != Phase::kIdle && phase_ != Phase::kReading) return;
  if (phase_ == Phase::kIdle) {
    phase_ = Phase::kReading;
    idle_timer_.stop();
    const int seconds = server_.settings().request_timeout_seconds;
    request_timer_.start(static_cast<std::uint64_t>(seconds) * 1000, [this, seconds] {
      fail_request(408, "Request Timeout: the request was not complete within " +
                            std::to_string(seconds) + "s");
    });
  }
  in_.append(data);
  try {
    feed();
  } catch (const std::exception& e) {
    // The connection boundary: whatever escaped costs this connection only,
    // and its client still gets an answer.
    server_.log().error("{}: {}", peer_, escape_for_terminal(e.what()));
    if (phase_ == Phase::kIdle || phase_ == Phase::kReading) {
      fail_request(500, "Internal Server Error");
    } else {
      abort("internal error");
    }
  }
}

void McpConnection::on_end(int status) {
  if (phase_ == Phase::kStreaming) {
    finish("client closed its event stream");
    return;
  }
  finish(status < 0 ? std::string("client connection error: ") + uv_strerror(status)
                    : "client closed");
}

void McpConnection::feed() {
  while ((phase_ == Phase::kIdle || phase_ == Phase::kReading) && !in_.empty()) {
    boost::beast::error_code ec;
    const std::size_t used = parser_->put(boost::asio::buffer(in_.data(), in_.size()), ec);
    in_.erase(0, used);
    if (ec == http::error::need_more) {
      if (!parser_->is_header_done() && in_.size() > server_.settings().max_header_bytes) {
        fail_request(431, "Request Header Fields Too Large");
      }
      return;
    }
    if (ec == http::error::header_limit) {
      fail_request(431, "Request Header Fields Too Large");
      return;
    }
    if (ec == http::error::body_limit) {
      fail_request(413, "Payload Too Large: at most " +
                            std::to_string(server_.settings().max_body_bytes) + " bytes");
      return;
    }
    if (ec) {
      fail_request(400, "Bad Request: malformed HTTP: " + ec.message());
      return;
    }
    if (parser_->is_done()) {
      request_timer_.stop();
      const HttpRequest request = parser_->release();
      serve(request);
      if (phase_ == Phase::kReading) new_parser();
      continue;
    }
    if (used == 0) return;
  }
}

void McpConnection::serve(const HttpRequest& request) {
  EndpointReply reply = server_.endpoint().handle(request);
  const std::string_view method(request.method_string().data(), request.method_string().size());
  const std::string_view target(request.target().data(), request.target().size());
  // Every byte of the method and target is the client's: escaped and bounded.
  server_.log().info("{} {} {} -> {}: {}", peer_, escape_for_terminal(method),
                     bottle::proposals::shown(target, 200), reply.status,
                     escape_for_terminal(reply.log));
  if (reply.session_ended) server_.end_streams_of(reply.session_id);
  const bool keep_alive = request.keep_alive();
  switch (reply.kind) {
    case EndpointReply::Kind::kPlain:
      send_plain(reply, keep_alive);
      break;
    case EndpointReply::Kind::kSseOnce:
      send_event_stream(reply, keep_alive);
      break;
    case EndpointReply::Kind::kSseStream:
      open_event_stream(reply);
      break;
  }
}

void McpConnection::send_plain(const EndpointReply& reply, bool keep_alive) {
  write(bottle::http::complete_response(reply.status, reply.headers, reply.body, keep_alive));
  if (!keep_alive) close_after_writes("answered; the client asked to close");
}

std::string McpConnection::event_stream_head(const EndpointReply& reply, bool keep_alive) {
  std::string out = bottle::http::status_line(200);
  for (const auto& [name, value] : reply.headers) {
    if (name != "Content-Type") out += bottle::http::header_line(name, value);
  }
  out +=
      "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "Transfer-Encoding: chunked\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  return out + "\r\n";
}

void McpConnection::send_event_stream(const EndpointReply& reply, bool keep_alive) {
  std::string out = event_stream_head(reply, keep_alive);
  out += chunk("event: message\ndata: " + reply.body + "\n\n");
  out += kLastChunk;
  write(std::move(out));
  if (!keep_alive) close_after_writes("answered; the client asked to close");
}

void McpConnection::open_event_stream(const EndpointReply& reply) {
  stream_session_ = reply.session_id;
  phase_ = Phase::kStreaming;
  idle_timer_.stop();
  // A first comment gets the head and something readable out at once.
  write(event_stream_head(reply, true) + chunk(": stream open\n\n"));
  arm_keepalive();
  arm_stream_idle(std::chrono::seconds(server_.settings().stream_idle_seconds));
}

void McpConnection::arm_keepalive() {
  const auto every = static_cast<std::uint64_t>(server_.settings().keepalive_seconds) * 1000;
  keepalive_timer_.start(every, [this] {
    write(chunk(": keepalive\n\n"));
    if (phase_ == Phase::kStreaming) arm_keepalive();
  });
}

// supervise sends nothing on a stream but keepalives, so a stream is only
// worth its slot while its client uses the session: once the session has gone
// unused this long the stream ends (the client opens another when it needs one).
void McpConnection::arm_stream_idle(std::chrono::milliseconds delay) {
  stream_idle_timer_.start(static_cast<std::uint64_t>(std::max<long>(delay.count(), 1)), [this] {
    const auto limit = std::chrono::seconds(server_.settings().stream_idle_seconds);
    const auto idle = server_.endpoint().idle_for(stream_session_);
    if (!idle) {
      abort("the session is gone");
    } else if (*idle >= limit) {
      abort("session unused for " + std::to_string(limit.count()) + " s");
    } else {
      arm_stream_idle(std::chrono::ceil<std::chrono::milliseconds>(limit - *idle));
    }
  });
}

void McpConnection::fail_request(unsigned status, const std::string& message) {
  request_timer_.stop();
  server_.log().warn("{}: {} {}", peer_, status, escape_for_terminal(message));
  send_plain(refusal(status, -32000, message), false);
}

void McpConnection::write(std::string bytes) {
  if (phase_ == Phase::kFinished) return;
  client_->write(std::move(bytes));
  if (client_->write_queue_bytes() > server_.settings().max_queued_bytes) {
    abort("the client is not reading");
  }
}

void McpConnection::close_after_writes(const std::string& why) {
  if (phase_ == Phase::kClosing || phase_ == Phase::kFinished) return;
  phase_ = Phase::kClosing;
  idle_timer_.stop();
  request_timer_.stop();
  client_->pause_reading();
  client_->write(std::string(), [this, why](int) { finish(why); });
}

void McpConnection::abort(const std::string& why) {
  if (phase_ == Phase::kFinished) return;
  if (phase_ == Phase::kStreaming) {
    // End the stream properly so the client sees it closed, not cut.
    client_->write(std::string(kLastChunk));
  }
  finish(why);
}

void McpConnection::finish(const std::string& why) {
  if (phase_ == Phase::kFinished) return;
  phase_ = Phase::kFinished;
  request_timer_.stop();
  idle_timer_.stop();
  keepalive_timer_.stop();
  stream_idle_timer_.stop();
  client_->pause_reading();
  if (!stream_session_.empty()) {
    server_.endpoint().stream_closed(stream_session_);
    server_.log().info("{}: event stream of session {} ended: {}", peer_, stream_session_,
                       escape_for_terminal(why));
  }
  server_.release(id_);
}

}  // namespace supervise
