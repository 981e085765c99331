#include "json_rpc.hpp"

#include <gtest/gtest.h>

using namespace supervise::jsonrpc;
using nlohmann::json;

namespace {

int error_code_of(const std::string& body) {
  try {
    parse_message(body);
  } catch (const RpcError& e) {
    return e.code();
  }
  return 0;
}

}  // namespace

TEST(JsonRpc, ARequestHasItsIdMethodAndParams) {
  const auto m =
      parse_message(R"({"jsonrpc":"2.0","id":"a1","method":"tools/list","params":{"x":1}})");
  EXPECT_EQ(m.kind, Message::Kind::kRequest);
  EXPECT_EQ(m.id, "a1");
  EXPECT_EQ(m.method, "tools/list");
  EXPECT_EQ(m.params["x"], 1);
}

TEST(JsonRpc, AMessageWithoutIdIsANotificationAndMissingParamsAreAnEmptyObject) {
  const auto m = parse_message(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(m.kind, Message::Kind::kNotification);
  EXPECT_TRUE(m.params.is_object() && m.params.empty());
}

TEST(JsonRpc, AResultOrErrorWithAnIdIsAResponse) {
  EXPECT_EQ(parse_message(R"({"jsonrpc":"2.0","id":3,"result":{}})").kind,
            Message::Kind::kResponse);
  EXPECT_EQ(parse_message(R"({"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}})").kind,
            Message::Kind::kResponse);
}

TEST(JsonRpc, TextThatIsNotJsonIsAParseError) {
  EXPECT_EQ(error_code_of("{\"jsonrpc\":"), kParseError);
  EXPECT_EQ(error_code_of(""), kParseError);
}

TEST(JsonRpc, JsonThatIsNotOneJsonRpcMessageIsAnInvalidRequest) {
  EXPECT_EQ(error_code_of("[]"), kInvalidRequest) << "batches were dropped from MCP";
  EXPECT_EQ(error_code_of("42"), kInvalidRequest);
  EXPECT_EQ(error_code_of(R"({"id":1,"method":"ping"})"), kInvalidRequest) << "no jsonrpc";
  EXPECT_EQ(error_code_of(R"({"jsonrpc":"1.0","id":1,"method":"ping"})"), kInvalidRequest);
  EXPECT_EQ(error_code_of(R"({"jsonrpc":"2.0","id":1,"method":7})"), kInvalidRequest);
  EXPECT_EQ(error_code_of(R"({"jsonrpc":"2.0","id":null,"method":"ping"})"), kInvalidRequest);
  EXPECT_EQ(error_code_of(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})"), kInvalidRequest);
  EXPECT_EQ(error_code_of(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[1]})"),
            kInvalidRequest);
  EXPECT_EQ(error_code_of(R"({"jsonrpc":"2.0","id":1,"result":{},"error":{}})"), kInvalidRequest);
}

TEST(JsonRpc, ResponsesCarryTheRequestsId) {
  EXPECT_EQ(result_response(7, {{"a", 1}}).dump(), R"({"id":7,"jsonrpc":"2.0","result":{"a":1}})");
  EXPECT_EQ(error_response(nullptr, kParseError, "bad").dump(),
            R"({"error":{"code":-32700,"message":"bad"},"id":null,"jsonrpc":"2.0"})");
}
