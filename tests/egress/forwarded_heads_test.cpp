#include "forwarded_heads.hpp"

#include <gtest/gtest.h>

using namespace egress;
namespace http = boost::beast::http;

namespace {

bottle::config::Route route(const std::string& header = "Authorization",
                            const std::string& value = "Bearer {token}") {
  bottle::config::Route r;
  r.host = "api.example.com";
  r.upstream = "https://api.example.com:8443/base/";
  r.header = header;
  r.value = value;
  r.token_env = "T";
  return r;
}

AgentTarget target() { return {"api.example.com", "/repos/x", "page=2"}; }

http::request_header<> agent_request() {
  http::request_header<> h;
  h.method(http::verb::post);
  h.target("/api.example.com/repos/x?page=2");
  h.version(11);
  h.set(http::field::host, "egress:8080");
  h.set("authorization", "Bearer agent-made-up");
  h.set(http::field::proxy_authorization, "Basic xyz");
  h.set(http::field::connection, "keep-alive, X-Hop");
  h.set("X-Hop", "1");
  h.set(http::field::expect, "100-continue");
  h.set(http::field::content_type, "application/json");
  h.set(http::field::content_length, "12");
  h.set(http::field::accept_encoding, "gzip, br");
  return h;
}

}  // namespace

TEST(ForwardedHeads, TheRoutesHeaderCarriesTheTokenAndTheAgentsValueIsGone) {
  const auto url = UpstreamUrl::parse(route().upstream);
  const std::string head = upstream_request_head(agent_request(), target(), route(), "tok3n", url,
                                                 {Framing::kLength, 12});
  EXPECT_TRUE(head.starts_with("POST /base/repos/x?page=2 HTTP/1.1\r\n")) << head;
  EXPECT_NE(head.find("Authorization: Bearer tok3n\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("agent-made-up"), std::string::npos) << head;
  EXPECT_NE(head.find("Host: api.example.com:8443\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: application/json\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Length: 12\r\n"), std::string::npos) << head;
  // The reflection guard reads responses: compression is declined at the source.
  EXPECT_NE(head.find("Accept-Encoding: identity\r\n"), std::string::npos) << head;
  for (const char* gone :
       {"Proxy-Authorization", "X-Hop", "Expect", "egress:8080", "keep-alive", "Connection"}) {
    EXPECT_EQ(head.find(gone), std::string::npos) << gone << " in\n" << head;
  }
}

TEST(ForwardedHeads, ACustomHeaderIsSetWhateverCaseTheAgentUsed) {
  auto req = agent_request();
  req.set("x-api-KEY", "agent");
  const auto r = route("X-Api-Key", "{token}");
  const std::string head = upstream_request_head(
      req, target(), r, "k", UpstreamUrl::parse(r.upstream), {Framing::kChunked, 0});
  EXPECT_NE(head.find("X-Api-Key: k\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find(": agent\r\n"), std::string::npos) << head;
  // Another route's header is the agent's own business.
  EXPECT_NE(head.find("authorization: Bearer agent-made-up\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
}

TEST(ForwardedHeads, UpstreamUrlsKeepTheirPortAndBasePath) {
  const auto u = UpstreamUrl::parse("https://h.example:443/");
  EXPECT_EQ(u.host, "h.example");
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.authority, "h.example");
  EXPECT_EQ(u.base_path, "");
  const auto v = UpstreamUrl::parse("https://h.example:8443/api/v3");
  EXPECT_EQ(v.authority, "h.example:8443");
  EXPECT_EQ(v.base_path, "/api/v3");
}

TEST(ForwardedHeads, TheAgentsResponseIsReframedAndHopHeadersDropped) {
  http::response_header<> up;
  up.result(http::status::ok);
  up.version(11);
  up.set(http::field::transfer_encoding, "chunked");
  up.set(http::field::connection, "close");
  up.set(http::field::content_type, "application/x-git-upload-pack-result");
  const std::string head = agent_response_head(up, {Framing::kChunked, 0}, true);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: keep-alive\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: application/x-git-upload-pack-result\r\n"), std::string::npos);

  http::response_header<> head_reply;
  head_reply.result(http::status::ok);
  head_reply.set(http::field::content_length, "1234");
  const std::string h = agent_response_head(head_reply, {Framing::kNone, 0}, false);
  EXPECT_NE(h.find("Content-Length: 1234\r\n"), std::string::npos) << h;
  EXPECT_NE(h.find("Connection: close\r\n"), std::string::npos) << h;
}

TEST(ForwardedHeads, ABodyEgressDecodedLosesItsContentEncodingAndLength) {
  http::response_header<> up;
  up.result(http::status::ok);
  up.set(http::field::content_encoding, "gzip");
  up.set(http::field::content_length, "99");
  up.set(http::field::etag, "\"x\"");
  const std::string decoded = agent_response_head(up, {Framing::kChunked, 0}, true, true);
  EXPECT_EQ(decoded.find("Content-Encoding"), std::string::npos) << decoded;
  EXPECT_EQ(decoded.find("Content-Length"), std::string::npos) << decoded;
  EXPECT_NE(decoded.find("ETag: \"x\"\r\n"), std::string::npos) << decoded;
  const std::string head_reply = agent_response_head(up, {Framing::kNone, 0}, true, true);
  EXPECT_EQ(head_reply.find("Content-Encoding"), std::string::npos) << head_reply;
  EXPECT_EQ(head_reply.find("Content-Length"), std::string::npos) << head_reply;
}

TEST(ForwardedHeads, LocalResponsesCanSayWhichMethodsAreAllowed) {
  const std::string r = local_response(405, "no\n", {{"Allow", "GET, HEAD"}});
  EXPECT_TRUE(r.starts_with("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n")) << r;
}

TEST(ForwardedHeads, LocalResponsesArePlainTextAndClose) {
  EXPECT_EQ(local_response(403, "no\n"),
            "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 3\r\nConnection: close\r\n\r\nno\n");
}
