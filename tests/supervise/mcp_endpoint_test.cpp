#include "mcp_endpoint.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
namespace http = boost::beast::http;
using nlohmann::json;
using namespace supervise;

namespace {

// The endpoint with real tools over a scratch bottle: a live pipelock.yaml
// and routes.yaml, and an empty proposals directory.
class Endpoint : public ::testing::Test {
 protected:
  Endpoint()
      : dir_(make_dir()),
        log_(std::make_shared<spdlog::logger>("test",
                                              std::make_shared<spdlog::sinks::null_sink_st>())),
        configs_(dir_ / "pipelock.yaml", dir_ / "routes.yaml"),
        store_(dir_ / "proposals"),
        quota_(QuotaSettings{}, [this] { return now_; }),
        tools_(configs_, store_, quota_, *log_),
        dispatcher_(tools_),
        sessions_(8, std::chrono::hours(1), [this] { return now_; }),
        endpoint_(EndpointSettings{}, sessions_, dispatcher_) {}
  ~Endpoint() override { fs::remove_all(dir_); }

  static fs::path make_dir() {
    char pattern[] = "/tmp/supervise-endpoint-XXXXXX";
    fs::path dir(::mkdtemp(pattern));
    fs::create_directory(dir / "proposals");
    std::ofstream(dir / "pipelock.yaml") << "version: 1\nmode: strict\napi_allowlist:\n  - a.com\n";
    std::ofstream(dir / "routes.yaml")
        << "routes:\n  - host: api.a.com\n    upstream: https://api.a.com\n    token_env: A\n";
    return dir;
  }

  HttpRequest post(const std::string& body, const std::string& session = "") const {
    HttpRequest r(http::verb::post, "/mcp", 11);
    r.set(http::field::host, "supervise:8765");
    r.set(http::field::content_type, "application/json");
    r.set(http::field::accept, "application/json, text/event-stream");
    if (!session.empty()) r.set("Mcp-Session-Id", session);
    r.body() = body;
    r.prepare_payload();
    return r;
  }

  static std::string header(const EndpointReply& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  }

  std::string initialize(const std::string& version = "2025-06-18") {
    const auto r = endpoint_.handle(post(json{{"jsonrpc", "2.0"},
                                              {"id", 1},
                                              {"method", "initialize"},
                                              {"params",
                                               {{"protocolVersion", version},
                                                {"capabilities", json::object()},
                                                {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}}
                                             .dump()));
    EXPECT_EQ(r.status, 200u);
    return header(r, "Mcp-Session-Id");
  }

  json call(const std::string& session, const std::string& method, json params = json::object()) {
    const auto r = endpoint_.handle(
        post(json{{"jsonrpc", "2.0"}, {"id", 9}, {"method", method}, {"params", params}}.dump(),
             session));
    EXPECT_EQ(r.status, 200u) << r.body;
    return json::parse(r.body);
  }

  json tool(const std::string& session, const std::string& name, json arguments) {
    return call(session, "tools/call",
                {{"name", name}, {"arguments", std::move(arguments)}})["result"];
  }

  static std::string text_of(const json& result) {
    return result["content"][0]["text"].get<std::string>();
  }

  // The clock sessions and the proposal quota read: moved by hand.
  SessionRegistry::Clock::time_point now_ = SessionRegistry::Clock::now();
  fs::path dir_;
  std::shared_ptr<spdlog::logger> log_;
  LiveConfigs configs_;
  bottle::proposals::ProposalStore store_;
  ProposalQuota quota_;
  SuperviseTools tools_;
  McpDispatcher dispatcher_;
  SessionRegistry sessions_;
  McpEndpoint endpoint_;
};

}  // namespace

TEST_F(Endpoint, InitializeStartsASessionAndNegotiatesTheVersion) {
  const std::string session = initialize("2025-06-18");
  EXPECT_EQ(session.size(), 32u);
  EXPECT_EQ(sessions_.find(session)->protocol_version, "2025-06-18");
  // A version supervise does not speak is answered with its newest.
  const auto r = endpoint_.handle(post(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01"}})"));
  EXPECT_EQ(json::parse(r.body)["result"]["protocolVersion"], "2025-11-25");
  EXPECT_TRUE(json::parse(r.body)["result"]["capabilities"].contains("tools"));
}

TEST_F(Endpoint, RequestsOutsideASessionGet400AndUnknownSessions404) {
  auto r = endpoint_.handle(post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})"));
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("Mcp-Session-Id header is required"), std::string::npos);
  r = endpoint_.handle(post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", "nosuchsession"));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], -32001);
}

TEST_F(Endpoint, NotificationsAreAccepted202WithoutABody) {
  const std::string session = initialize();
  const auto r =
      endpoint_.handle(post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})", session));
  EXPECT_EQ(r.status, 202u);
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(sessions_.find(session)->initialized);
}

TEST_F(Endpoint, PingAndUnknownMethodsAnswerInJsonRpc) {
  const std::string session = initialize();
  EXPECT_EQ(call(session, "ping")["result"], json::object());
  const json unknown = call(session, "resources/list");
  EXPECT_EQ(unknown["error"]["code"], -32601);
  EXPECT_EQ(unknown["id"], 9);
}

TEST_F(Endpoint, BadBodiesAndWrongContentTypesGetTheRightStatus) {
  const std::string session = initialize();
  auto r = endpoint_.handle(post("{oops", session));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], -32700);
  r = endpoint_.handle(post("[]", session));
  EXPECT_EQ(json::parse(r.body)["error"]["code"], -32600);
  auto text = post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", session);
  text.set(http::field::content_type, "text/plain");
  EXPECT_EQ(endpoint_.handle(text).status, 415u);
  auto html_only = post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", session);
  html_only.set(http::field::accept, "text/html");
  EXPECT_EQ(endpoint_.handle(html_only).status, 406u);
  auto put = post("{}", session);
  put.method(http::verb::put);
  r = endpoint_.handle(put);
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(header(r, "Allow"), "GET, POST, DELETE");
  auto elsewhere = post("{}", session);
  elsewhere.target("/other");
  EXPECT_EQ(endpoint_.handle(elsewhere).status, 404u);
  auto version = post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", session);
  version.set("MCP-Protocol-Version", "2024-01-01");
  EXPECT_EQ(endpoint_.handle(version).status, 400u);
}

TEST_F(Endpoint, AForeignHostOrOriginIsRefusedAgainstDnsRebinding) {
  auto r = post(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})");
  r.set(http::field::host, "evil.example.com");
  EXPECT_EQ(endpoint_.handle(r).status, 403u);
  r.set(http::field::host, "localhost:8765");
  r.set(http::field::origin, "http://evil.example.com");
  EXPECT_EQ(endpoint_.handle(r).status, 403u);
  r.set(http::field::origin, "http://localhost:3000");
  EXPECT_EQ(endpoint_.handle(r).status, 200u);
  EXPECT_EQ(sessions_.size(), 1u) << "refused requests start no session";
}

TEST_F(Endpoint, ToolCallsAnswerAsAnEventStreamWhenTheClientTakesOne) {
  const std::string session = initialize();
  auto r = endpoint_.handle(
      post(R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_allowlist"}})",
           session));
  EXPECT_EQ(r.kind, EndpointReply::Kind::kSseOnce);
  EXPECT_EQ(json::parse(r.body)["result"]["structuredContent"]["hosts"], json({"a.com"}));
  auto json_only = post(
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_routes"}})", session);
  json_only.set(http::field::accept, "application/json");
  r = endpoint_.handle(json_only);
  EXPECT_EQ(r.kind, EndpointReply::Kind::kPlain);
  EXPECT_EQ(json::parse(r.body)["result"]["structuredContent"]["routes"][0]["host"], "api.a.com");
}

TEST_F(Endpoint, AProposalIsValidatedAgainstTheLiveListAndStoredPending) {
  const std::string session = initialize();
  json r = call(session, "tools/call",
                {{"name", "propose_allowlist_change"},
                 {"arguments", {{"add", {"PyPI.org"}}, {"reason", "pip install"}}}});
  const json made = r["result"]["structuredContent"];
  EXPECT_EQ(made["state"], "pending");
  EXPECT_EQ(made["change"], json({"+ allow pypi.org"}));
  EXPECT_TRUE(store_.find(made["id"].get<std::string>()));

  r = call(
      session, "tools/call",
      {{"name", "propose_allowlist_change"}, {"arguments", {{"add", {"a.com"}}, {"reason", "x"}}}});
  EXPECT_TRUE(r["result"]["isError"].get<bool>());
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("a.com is already allowed"),
            std::string::npos);
  r = call(session, "tools/call",
           {{"name", "propose_route_change"},
            {"arguments", {{"remove", {{{"host", "nope.com"}}}}, {"reason", "x"}}}});
  EXPECT_TRUE(r["result"]["isError"].get<bool>());

  r = call(session, "tools/call", {{"name", "get_proposal"}, {"arguments", {{"id", made["id"]}}}});
  EXPECT_EQ(r["result"]["structuredContent"]["state"], "pending");
}

TEST_F(Endpoint, AnUnknownToolIsInvalidParams) {
  const std::string session = initialize();
  const json r = call(session, "tools/call", {{"name", "rm_rf"}});
  EXPECT_EQ(r["error"]["code"], -32602);
}

TEST_F(Endpoint, GetOpensTheStreamAndDeleteEndsTheSession) {
  const std::string session = initialize();
  auto get = post("", session);
  get.method(http::verb::get);
  get.set(http::field::accept, "text/event-stream");
  auto r = endpoint_.handle(get);
  EXPECT_EQ(r.kind, EndpointReply::Kind::kSseStream);
  EXPECT_EQ(sessions_.find(session)->open_streams, 1u);
  endpoint_.stream_closed(session);
  EXPECT_EQ(sessions_.find(session)->open_streams, 0u);

  auto del = post("", session);
  del.method(http::verb::delete_);
  r = endpoint_.handle(del);
  EXPECT_EQ(r.status, 200u);
  EXPECT_TRUE(r.session_ended);
  EXPECT_EQ(endpoint_.handle(post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", session)).status,
            404u);
}

TEST(SessionLimits, PastTheCapTheLeastRecentlyUsedIdleSessionIsForgotten) {
  SessionRegistry sessions(2, std::chrono::hours(1));
  const std::string a = sessions.create("2025-06-18", "a").id;
  const std::string b = sessions.create("2025-06-18", "b").id;
  sessions.find(a);  // a is now the more recent
  const std::string c = sessions.create("2025-06-18", "c").id;
  EXPECT_TRUE(sessions.find(a));
  EXPECT_FALSE(sessions.find(b));
  EXPECT_TRUE(sessions.find(c));
}

TEST_F(Endpoint, AHeaderValueThatIsNotUtf8IsQuotedEscapedInAnErrorAnyJsonParserReads) {
  auto r = post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  r.set(http::field::host, "local\xffhost\x1b[2J");
  auto reply = endpoint_.handle(r);
  EXPECT_EQ(reply.status, 403u);
  const std::string message = json::parse(reply.body)["error"]["message"];
  EXPECT_NE(message.find("\"local\\xffhost\\x1b[2J\""), std::string::npos) << message;
  const std::string session = initialize();
  r = post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", session);
  r.set("MCP-Protocol-Version", std::string(300, '\xe9'));
  reply = endpoint_.handle(r);
  EXPECT_EQ(reply.status, 400u);
  EXPECT_LT(reply.body.size(), 700u) << "the quoted value is cut";
  EXPECT_TRUE(json::parse(reply.body).is_object());
}

TEST_F(Endpoint, TwoCopiesOfAHeaderThatDecidesSomethingGet400) {
  const std::string session = initialize();
  for (const char* name : {"Host", "Origin", "Mcp-Session-Id", "MCP-Protocol-Version"}) {
    auto r = post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", session);
    r.insert(name, "localhost");
    r.insert(name, "localhost");
    const auto reply = endpoint_.handle(r);
    EXPECT_EQ(reply.status, 400u) << name;
    EXPECT_NE(reply.body.find("more than one"), std::string::npos) << reply.body;
  }
}

TEST_F(Endpoint, InitializeTypeChecksWhatItReads) {
  for (const char* params :
       {R"({"protocolVersion":"2025-06-18","clientInfo":{"name":5}})",
        R"({"protocolVersion":"2025-06-18","clientInfo":{"name":"x","version":{}}})",
        R"({"protocolVersion":"2025-06-18","clientInfo":"me"})", R"({"protocolVersion":7})"}) {
    const auto r = endpoint_.handle(post(
        std::string(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":)") + params + "}"));
    EXPECT_EQ(json::parse(r.body)["error"]["code"], -32602) << params << ": " << r.body;
  }
  EXPECT_EQ(sessions_.size(), 0u);
}

TEST_F(Endpoint, ParamsNestedDeeperThanAnyMessageAreAParseErrorBeforeAnythingRecurses) {
  const std::string session = initialize();
  const std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":)" +
                           std::string(160000, '[') + std::string(160000, ']') + "}}";
  const auto r = endpoint_.handle(post(deep, session));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], -32700);
  EXPECT_NE(r.body.find("nested deeper"), std::string::npos) << r.body;
}

TEST_F(Endpoint, ToolsWhoseSchemasTakeNoArgumentsRefuseUnknownOnes) {
  const std::string session = initialize();
  for (const char* name : {"get_allowlist", "get_routes", "list_proposals", "get_proposal"}) {
    const json r = tool(session, name, {{"verbose", true}});
    EXPECT_TRUE(r.value("isError", false)) << name;
    EXPECT_NE(text_of(r).find("unknown argument \"verbose\""), std::string::npos) << text_of(r);
  }
}

TEST_F(Endpoint, ASessionHoldsAtMostTwoStreamsAndAllSessionsTheirShare) {
  EndpointSettings settings;
  settings.max_streams = 3;
  McpEndpoint endpoint(settings, sessions_, dispatcher_);
  const std::string a = initialize();
  const std::string b = initialize();
  auto get = [&](const std::string& session) {
    auto r = post("", session);
    r.method(http::verb::get);
    r.set(http::field::accept, "text/event-stream");
    return endpoint.handle(r);
  };
  EXPECT_EQ(get(a).kind, EndpointReply::Kind::kSseStream);
  EXPECT_EQ(get(a).kind, EndpointReply::Kind::kSseStream);
  EXPECT_EQ(get(a).status, 429u);
  EXPECT_EQ(get(b).kind, EndpointReply::Kind::kSseStream);
  EXPECT_EQ(get(b).status, 503u) << "three streams in all";
  endpoint.stream_closed(a);
  EXPECT_EQ(get(b).kind, EndpointReply::Kind::kSseStream);
}

TEST_F(Endpoint, AnIdleSessionExpiresWhenNextUsedAndOnTheSweep) {
  const std::string a = initialize();
  const std::string b = initialize();
  now_ += std::chrono::minutes(61);
  auto r = endpoint_.handle(post(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", a));
  EXPECT_EQ(r.status, 404u) << "expired on use";
  EXPECT_EQ(sessions_.size(), 1u);
  EXPECT_EQ(endpoint_.expire_sessions(), 1u) << "b expired on the sweep, never named";
  EXPECT_EQ(sessions_.size(), 0u);
  (void)b;
}

TEST_F(Endpoint, ProposalsPastTheRateWaitAMinuteAndPastTwentyPendingWaitForTheOperator) {
  const std::string session = initialize();
  auto propose = [&](int n) {
    return tool(session, "propose_allowlist_change",
                {{"add", {"h" + std::to_string(n) + ".example.org"}}, {"reason", "r"}});
  };
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(propose(i).value("isError", false)) << i;
  now_ += std::chrono::seconds(15);
  json r = propose(10);
  EXPECT_NE(text_of(r).find("at most 10 proposals a minute; retry in 45 s"), std::string::npos)
      << text_of(r);
  now_ += std::chrono::seconds(45);
  for (int i = 10; i < 20; ++i) ASSERT_FALSE(propose(i).value("isError", false)) << i;
  now_ += std::chrono::minutes(1);
  r = propose(20);
  EXPECT_NE(text_of(r).find("20 proposals are pending (at most 20 at once)"), std::string::npos)
      << text_of(r);
}

TEST(SessionLimits, ASessionWithAnOpenStreamDoesNotExpire) {
  auto now = SessionRegistry::Clock::now();
  SessionRegistry sessions(8, std::chrono::minutes(1), [&] { return now; });
  Session& s = sessions.create("2025-06-18", "a");
  const std::string id = s.id;
  s.open_streams = 1;
  now += std::chrono::hours(2);
  EXPECT_EQ(sessions.expire_idle(), 0u);
  EXPECT_TRUE(sessions.peek(id));
  sessions.peek(id)->open_streams = 0;
  EXPECT_EQ(sessions.expire_idle(), 1u);
}
