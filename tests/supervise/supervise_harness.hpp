#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "process_harness.hpp"

// The real supervise on loopback, and a small blocking HTTP/1.1 client that
// speaks MCP to it the way any client would (responses parsed by Beast).
namespace supervise_test {

struct BottleFiles {
  std::filesystem::path proposals;
  std::filesystem::path pipelock_config;
  std::filesystem::path routes_config;
};

// A scratch bottle: allowlist a.com, one route for api.a.com, no proposals.
BottleFiles scratch_bottle(const std::string& stem);

class Supervise {
 public:
  // `env` entries ("NAME=value") are added to the environment supervise inherits.
  explicit Supervise(const BottleFiles& files, const std::vector<std::string>& extra_args = {},
                     const std::vector<std::string>& env = {});
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/mcp"; }
  bottle_test::Process& process() { return *process_; }

 private:
  std::unique_ptr<bottle_test::Process> process_;
  int port_ = 0;
};

struct HttpReply {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  bool ok() const { return status != 0; }
};

// One kept-alive connection.
class HttpConnection {
 public:
  explicit HttpConnection(int port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  void send_raw(const std::string& bytes);
  // Reads one response (status 0 when the connection ended first).
  HttpReply read_reply();
  HttpReply request(const std::string& method, const std::map<std::string, std::string>& headers,
                    const std::string& body = "");
  // Sends the GET that opens `session`'s event stream (read_head() then reads its answer).
  void open_event_stream(const std::string& session);
  // Reads a response head only, for an event stream left open.
  HttpReply read_head();
  // Whether the server has ended the connection (EOF waiting, without blocking).
  bool closed_by_server();
  // Raw bytes read within `deadline` (for event streams).
  std::string read_some(std::chrono::milliseconds deadline);
  void close();

 private:
  int fd_ = -1;
  std::string buffer_;
};

// An MCP session over one connection: initialize, then JSON-RPC calls.
class McpSession {
 public:
  explicit McpSession(int port);
  const std::string& id() const { return id_; }
  // The JSON-RPC response to `method` (from a JSON or an event-stream body).
  nlohmann::json call(const std::string& method, nlohmann::json params = nlohmann::json::object());
  // A tools/call result.
  nlohmann::json tool(const std::string& name, nlohmann::json arguments = nlohmann::json::object());
  HttpConnection& connection() { return connection_; }
  std::map<std::string, std::string> headers() const;

 private:
  HttpConnection connection_;
  std::string id_;
  int next_id_ = 1;
};

// The JSON-RPC message of a JSON body or of an event stream's first message event.
nlohmann::json message_of(const HttpReply& reply);

}  // namespace supervise_test
