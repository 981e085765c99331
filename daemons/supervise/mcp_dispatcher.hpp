#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "json_rpc.hpp"
#include "session_registry.hpp"
#include "supervise_tools.hpp"

namespace supervise {

// The MCP protocol versions supervise speaks, newest first.
const std::vector<std::string>& supported_protocol_versions();
bool is_supported_protocol_version(const std::string& version);

// MCP's methods, over JSON-RPC, independent of the transport.
class McpDispatcher {
 public:
  explicit McpDispatcher(SuperviseTools& tools) : tools_(tools) {}

  struct Initialized {
    nlohmann::json result;
    std::string protocol_version;
    std::string client;
  };
  // Answers initialize: the client's version when supervise speaks it, else
  // supervise's newest (the client then decides whether to go on). Throws
  // jsonrpc::RpcError for params that are not an initialize request's.
  Initialized initialize(const nlohmann::json& params) const;

  // The whole JSON-RPC response (result or error) to a request of `session`.
  nlohmann::json handle(Session& session, const jsonrpc::Message& request) const;
  void notify(Session& session, const jsonrpc::Message& notification) const;

 private:
  nlohmann::json call_tool(const nlohmann::json& params) const;
  // Not const: a tool call may count against the proposal quota.
  SuperviseTools& tools_;
};

}  // namespace supervise
