#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

// JSON-RPC 2.0 as MCP uses it: one message per POST body (MCP dropped
// batches in 2025-06-18), params always an object, ids strings or integers.
namespace supervise::jsonrpc {

constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

// Deepest JSON a message may be: MCP's deepest (a route inside a tool call's
// arguments) is five levels.
constexpr std::size_t kMaxDepth = 32;

// A failure answered with a JSON-RPC error object.
class RpcError : public std::runtime_error {
 public:
  RpcError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

struct Message {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind = Kind::kRequest;
  nlohmann::json id;  // requests and responses
  std::string method;
  nlohmann::json params = nlohmann::json::object();
};

// Parses a POST body. Throws RpcError: kParseError for text that is not
// JSON or is nested deeper than kMaxDepth, kInvalidRequest for JSON that is
// not one JSON-RPC 2.0 message.
Message parse_message(const std::string& body);

nlohmann::json result_response(const nlohmann::json& id, nlohmann::json result);
nlohmann::json error_response(const nlohmann::json& id, int code, const std::string& message);

}  // namespace supervise::jsonrpc
