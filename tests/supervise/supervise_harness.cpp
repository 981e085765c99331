#include "supervise_harness.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <fstream>
#include <stdexcept>

namespace supervise_test {

namespace http = boost::beast::http;
using nlohmann::json;

BottleFiles scratch_bottle(const std::string& stem) {
  const auto dir = bottle_test::scratch_dir(stem);
  BottleFiles f{dir / "proposals", dir / "pipelock.yaml", dir / "routes.yaml"};
  std::filesystem::create_directory(f.proposals);
  std::ofstream(f.pipelock_config) << "version: 1\nmode: strict\napi_allowlist:\n  - a.com\n";
  std::ofstream(f.routes_config)
      << "routes:\n  - host: api.a.com\n    upstream: https://api.a.com\n    token_env: A\n";
  return f;
}

Supervise::Supervise(const BottleFiles& files, const std::vector<std::string>& extra_args,
                     const std::vector<std::string>& env) {
  std::vector<std::string> argv = {SUPERVISE_BIN,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--proposals",
                                   files.proposals.string(),
                                   "--pipelock-config",
                                   files.pipelock_config.string(),
                                   "--routes",
                                   files.routes_config.string()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<bottle_test::Process>(argv, env);
  const auto line = process_->stderr_line_with("listening on 127.0.0.1:");
  if (!line) throw std::runtime_error("supervise did not start listening");
  const auto at = line->find("127.0.0.1:") + 10;
  port_ = std::stoi(line->substr(at));
}

HttpConnection::HttpConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot connect to supervise");
  }
}

HttpConnection::~HttpConnection() { close(); }

void HttpConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void HttpConnection::send_raw(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may refuse before reading everything
    sent += static_cast<std::size_t>(n);
  }
}

namespace {

template <class Parser>
HttpReply reply_of(Parser& parser) {
  HttpReply r;
  const auto& msg = parser.get();
  r.status = msg.result_int();
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(field.value());
  }
  return r;
}

}  // namespace

HttpReply HttpConnection::read_reply() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  for (;;) {
    if (!buffer_.empty()) {
      boost::beast::error_code ec;
      const auto used = parser.put(boost::asio::buffer(buffer_.data(), buffer_.size()), ec);
      buffer_.erase(0, used);
      if (parser.is_done()) {
        HttpReply r = reply_of(parser);
        r.body = parser.get().body();
        return r;
      }
      if (ec && ec != http::error::need_more) return {};
      if (used > 0 && !buffer_.empty()) continue;
    }
    char chunk[65536];
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return {};
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      if (parser.got_some() && !parser.is_done()) {
        boost::beast::error_code ec;
        parser.put_eof(ec);
        if (!ec && parser.is_done()) {
          HttpReply r = reply_of(parser);
          r.body = parser.get().body();
          return r;
        }
      }
      return {};
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

void HttpConnection::open_event_stream(const std::string& session) {
  send_raw("GET /mcp HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nMcp-Session-Id: " +
           session + "\r\n\r\n");
}

HttpReply HttpConnection::read_head() {
  http::response_parser<http::string_body> parser;
  for (;;) {
    boost::beast::error_code ec;
    if (!buffer_.empty()) {
      const auto used = parser.put(boost::asio::buffer(buffer_.data(), buffer_.size()), ec);
      buffer_.erase(0, used);
      if (parser.is_header_done()) return reply_of(parser);
    }
    char chunk[4096];
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return {};
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return {};
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string HttpConnection::read_some(std::chrono::milliseconds deadline) {
  std::string out = std::exchange(buffer_, {});
  pollfd p{fd_, POLLIN, 0};
  if (out.empty() && ::poll(&p, 1, static_cast<int>(deadline.count())) > 0) {
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) out.append(chunk, static_cast<std::size_t>(n));
  }
  return out;
}

bool HttpConnection::closed_by_server() {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  char c;
  const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0;
}

HttpReply HttpConnection::request(const std::string& method,
                                  const std::map<std::string, std::string>& headers,
                                  const std::string& body) {
  std::string out = method + " /mcp HTTP/1.1\r\nHost: localhost\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  if (method == "POST") out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n" + body;
  send_raw(out);
  return read_reply();
}

json message_of(const HttpReply& reply) {
  const auto type = reply.headers.count("content-type") ? reply.headers.at("content-type") : "";
  if (type.starts_with("text/event-stream")) {
    const auto at = reply.body.find("data: ");
    if (at == std::string::npos) return nullptr;
    return json::parse(reply.body.substr(at + 6, reply.body.find('\n', at) - at - 6));
  }
  return json::parse(reply.body, nullptr, false);
}

McpSession::McpSession(int port) : connection_(port) {
  const json init = {{"jsonrpc", "2.0"},
                     {"id", 0},
                     {"method", "initialize"},
                     {"params",
                      {{"protocolVersion", "2025-06-18"},
                       {"capabilities", json::object()},
                       {"clientInfo", {{"name", "harness"}, {"version", "1"}}}}}};
  const auto reply = connection_.request(
      "POST",
      {{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}},
      init.dump());
  if (reply.status != 200 || !reply.headers.count("mcp-session-id")) {
    throw std::runtime_error("initialize failed: " + std::to_string(reply.status) + " " +
                             reply.body);
  }
  id_ = reply.headers.at("mcp-session-id");
  connection_.request("POST", headers(),
                      R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
}

std::map<std::string, std::string> McpSession::headers() const {
  return {{"Content-Type", "application/json"},
          {"Accept", "application/json, text/event-stream"},
          {"Mcp-Session-Id", id_},
          {"MCP-Protocol-Version", "2025-06-18"}};
}

json McpSession::call(const std::string& method, json params) {
  const json request = {
      {"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", method}, {"params", std::move(params)}};
  const auto reply = connection_.request("POST", headers(), request.dump());
  if (!reply.ok()) return nullptr;
  return message_of(reply);
}

json McpSession::tool(const std::string& name, json arguments) {
  const json response = call("tools/call", {{"name", name}, {"arguments", std::move(arguments)}});
  return response.is_object() && response.contains("result") ? response["result"] : response;
}

}  // namespace supervise_test
