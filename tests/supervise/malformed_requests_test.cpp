// Every request that used to end supervise (or leave a client unanswered),
// sent in a row to one server: each gets a clear answer, and the same process
// answers the next client.
#include <gtest/gtest.h>

#include <fstream>

#include "supervise_harness.hpp"

using namespace supervise_test;
using nlohmann::json;

namespace {

std::string post_with(const std::string& extra_headers, const std::string& body,
                      const std::string& host_lines = "Host: localhost\r\n") {
  return "POST /mcp HTTP/1.1\r\n" + host_lines +
         "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One request on a fresh connection; the reply's body must be JSON a strict
// parser takes (valid UTF-8 included).
HttpReply exchange_once(int port, const std::string& raw) {
  HttpConnection c(port);
  c.send_raw(raw);
  return c.read_reply();
}

json strict_json(const HttpReply& reply) {
  const std::string type =
      reply.headers.count("content-type") ? reply.headers.at("content-type") : "";
  std::string text = reply.body;
  if (type.starts_with("text/event-stream")) {
    const auto at = text.find("data: ");
    text = text.substr(at + 6, text.find('\n', at) - at - 6);
  }
  return json::parse(text);  // throws on invalid JSON or invalid UTF-8
}

std::string deep_params(std::size_t levels) {
  return R"({"jsonrpc":"2.0","id":7,"method":"ping","params":{"a":)" + std::string(levels, '[') +
         std::string(levels, ']') + "}}";
}

std::string text_of(const json& tool_result) {
  return tool_result["content"][0]["text"].get<std::string>();
}

}  // namespace

TEST(MalformedRequests, EveryRequestThatUsedToKillSuperviseIsAnsweredAndTheSamePidGoesOn) {
  const auto files = scratch_bottle("supervise-malformed-row");
  Supervise server(files);
  const int port = server.port();
  const pid_t pid = server.process().pid();
  McpSession session(port);
  const std::string sid = "Mcp-Session-Id: " + session.id() + "\r\n";
  const std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";

  // A byte that is not UTF-8 in each header that is quoted back.
  auto r = exchange_once(port, post_with("", ping, "Host: local\xffhost\r\n"));
  EXPECT_EQ(r.status, 403u);
  EXPECT_NO_THROW(strict_json(r)) << r.body;
  r = exchange_once(port, post_with("Origin: http://\xff\xfe.example\r\n", ping));
  EXPECT_EQ(r.status, 403u);
  EXPECT_NO_THROW(strict_json(r)) << r.body;
  r = exchange_once(port, post_with(sid + "MCP-Protocol-Version: 2025-06-18\xff\r\n", ping));
  EXPECT_EQ(r.status, 400u);
  EXPECT_NO_THROW(strict_json(r)) << r.body;
  r = exchange_once(port, post_with("Mcp-Session-Id: \xff\xff\r\n", ping));
  EXPECT_EQ(r.status, 404u);
  EXPECT_NO_THROW(strict_json(r)) << r.body;

  // Two Host headers: which one names the server is ambiguous.
  r = exchange_once(port, post_with(sid, ping, "Host: localhost\r\nHost: evil.example\r\n"));
  EXPECT_EQ(r.status, 400u);

  // initialize with a clientInfo.name that is not a string.
  r = exchange_once(
      port,
      post_with("", R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":)"
                    R"({"protocolVersion":"2025-06-18","clientInfo":{"name":5,"version":[]}}})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(strict_json(r)["error"]["code"], -32602) << r.body;

  // A ping whose params nest 160,000 levels deep (well under the body limit).
  r = exchange_once(port, post_with(sid, deep_params(160000)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(strict_json(r)["error"]["code"], -32700) << r.body;

  // A proposed host whose 80th byte falls inside a character.
  json result = session.tool("propose_allowlist_change",
                             {{"add", {std::string(79, 'a') + "\xc3\xa9.com"}}, {"reason", "x"}});
  EXPECT_TRUE(result.value("isError", false)) << result.dump();
  EXPECT_NE(text_of(result).find("non-ASCII"), std::string::npos) << result.dump();

  // A hand-written proposal file with a long non-ASCII host, beside a good one.
  const json good = session.tool("propose_allowlist_change",
                                 {{"add", {"pypi.org"}}, {"reason", "pip needs the index"}});
  ASSERT_FALSE(good.value("isError", false)) << good.dump();
  json bad = json::parse(std::ifstream(
      files.proposals / (good["structuredContent"]["id"].get<std::string>() + ".json")));
  bad["id"] = "p-20200101-000000-abcdef";
  bad["change"]["add"][0] = std::string(79, 'a') + "\xc3\xa9.com";
  std::ofstream(files.proposals / "p-20200101-000000-abcdef.json") << bad.dump();
  // And one in Latin-1, which is not even JSON.
  std::ofstream(files.proposals / "p-20200101-000000-abcde0.json")
      << "{\"id\": \"p-20200101-000000-abcde0\", \"reason\": \"caf\xe9\"}";
  result = session.tool("list_proposals");
  ASSERT_TRUE(result.is_object()) << result.dump();
  EXPECT_FALSE(result.value("isError", false)) << result.dump();
  EXPECT_NE(text_of(result).find("pypi.org"), std::string::npos) << result.dump();

  // A forged upstream, and hosts no one should approve by accident.
  result = session.tool(
      "propose_route_change",
      {{"add",
        {{{"host", "api.github.com"},
          {"upstream", "https://tokens.evil.example/\b\b\b\b\b\b\bapi.github.com\x1b[K"},
          {"token_env", "A"}}}},
       {"reason", "x"}});
  EXPECT_TRUE(result.value("isError", false)) << result.dump();
  for (const char* host : {"*.com", "*.co.uk", "com", "0.0.0.0", "169.254.169.254", "localhost"}) {
    result = session.tool("propose_allowlist_change", {{"add", {host}}, {"reason", "x"}});
    EXPECT_TRUE(result.value("isError", false)) << host << ": " << result.dump();
  }
  // Unknown arguments where the schema says there are none.
  for (const char* tool : {"get_allowlist", "get_routes", "list_proposals"}) {
    result = session.tool(tool, {{"everything", true}});
    EXPECT_TRUE(result.value("isError", false)) << tool << ": " << result.dump();
  }

  // The same process answers a new client.
  EXPECT_TRUE(server.process().running());
  EXPECT_EQ(server.process().pid(), pid);
  McpSession after(port);
  EXPECT_EQ(after.call("ping")["result"], json::object());
  EXPECT_EQ(session.call("ping")["result"], json::object());
}
