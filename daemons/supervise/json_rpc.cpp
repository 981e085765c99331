#include "json_rpc.hpp"

#include "bottle/json/safe_json.hpp"

namespace supervise::jsonrpc {

using nlohmann::json;

namespace {

bool valid_id(const json& id) { return id.is_string() || id.is_number_integer(); }

}  // namespace

Message parse_message(const std::string& body) {
  // Depth is bounded before anything is built: copying or comparing a value
  // recurses once per level, and 160,000 levels fit well under the body limit.
  json doc;
  try {
    doc = bottle::json::parse(body, kMaxDepth);
  } catch (const bottle::json::ParseError& e) {
    throw RpcError(kParseError, std::string("Parse error: ") + e.what());
  }
  if (doc.is_array()) {
    throw RpcError(kInvalidRequest, "Invalid Request: batches are not supported; send one message");
  }
  if (!doc.is_object()) throw RpcError(kInvalidRequest, "Invalid Request: not a JSON object");
  if (!doc.contains("jsonrpc") || doc.at("jsonrpc") != "2.0") {
    throw RpcError(kInvalidRequest, "Invalid Request: \"jsonrpc\" must be \"2.0\"");
  }
  Message m;
  if (doc.contains("method")) {
    if (!doc.at("method").is_string()) {
      throw RpcError(kInvalidRequest, "Invalid Request: \"method\" must be a string");
    }
    m.method = doc.at("method").get<std::string>();
    if (doc.contains("params")) {
      if (!doc.at("params").is_object()) {
        throw RpcError(kInvalidRequest, "Invalid Request: \"params\" must be an object");
      }
      m.params = std::move(doc.at("params"));
    }
    if (doc.contains("id")) {
      if (!valid_id(doc.at("id"))) {
        throw RpcError(kInvalidRequest, "Invalid Request: \"id\" must be a string or an integer");
      }
      m.kind = Message::Kind::kRequest;
      m.id = doc.at("id");
    } else {
      m.kind = Message::Kind::kNotification;
    }
    return m;
  }
  // A client answering a request of the server's (supervise sends none).
  if (doc.contains("id") && (doc.contains("result") != doc.contains("error"))) {
    m.kind = Message::Kind::kResponse;
    m.id = std::move(doc.at("id"));
    return m;
  }
  throw RpcError(kInvalidRequest,
                 "Invalid Request: neither a request, a notification nor a response");
}

json result_response(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json error_response(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

}  // namespace supervise::jsonrpc
