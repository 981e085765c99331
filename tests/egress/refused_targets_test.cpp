// Request targets egress refuses before any upstream sees them: every
// spelling an upstream could read differently from egress (and so run a push,
// or walk out of a route's prefix, with the token attached), and the methods
// that send the token back. What is refused is logged without query values.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "egress_harness.hpp"

using namespace egress_test;
using bottle_test::exchange;
using bottle_test::run;

namespace {

std::string get(const World& w, const std::string& target, const std::string& method = "GET") {
  return exchange(w.egress->port(),
                  method + " " + target + " HTTP/1.1\r\nHost: egress\r\nConnection: close\r\n\r\n");
}

}  // namespace

TEST(RefusedTargets, EverySpellingAnUpstreamCouldReadDifferentlyGets400AndReachesNoUpstream) {
  World w;
  for (const char* target : {
           // A push, spelled so that egress's push check missed it.
           "/git.test/repo.git/git-receive-pack#x",
           "/git.test/repo.git/git-receive-pack;x=1",
           "/git.test/repo.git/git-receive-pack%3Bx=1",
           "/git.test/repo.git/git-receive-pack%00",
           "/git.test/repo.git/git-receive-pack%20",
           "/git.test/repo.git/git-receive-pack.",
           "/git.test/repo.git/git%252Dreceive-pack",
           "/git.test/repo.git/git%2Dreceive%2Dpack",
           "/git.test/repo.git%5Cgit-receive-pack",
           "/git.test/repo.git\\git-receive-pack",
           "/svc.test/echo;jsessionid=0123",
           "/svc.test/%C0%AFecho",
           // Walks out of a route's prefix.
           "/svc.test/api/..;/other",
           "/svc.test/api/%2e%2e;/other",
           "/svc.test/api/%2E%2E/other",
           "/svc.test/api/.;/x",
           "/svc.test/api/.../other",
           "/svc.test/api/..%00/other",
           "/svc.test/api/..%09/other",
           "/svc.test/api//other",
           // Not one of a kind: lower-case hex, an encoded unreserved character.
           "/svc.test/a%2fb",
           "/svc.test/%61pi",
           "/svc.test/echo?q=%2d",
           "/svc.test/echo?",
       }) {
    const std::string reply = get(w, target);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << target << "\n" << reply;
  }
  EXPECT_EQ(w.upstream.received(), "");
}

TEST(RefusedTargets, CanonicalTargetsReachTheUpstreamAsTheyWereSent) {
  World w;
  for (const std::string path : {
           "/echo/a%20b",
           "/echo/%C3%A9t%C3%A9",
           "/echo/a:b@c!$&'()*+,=~_-.x",
           "/echo/v1.2/..x/.y",
           "/echo/trailing/",
           "/echo?q=a%2Fb&empty=&flag&x=%E2%9C%93",
       }) {
    const std::string reply = get(w, "/svc.test" + path);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 200")) << path << "\n" << reply;
    const std::string all = w.upstream.received();
    const auto last = nlohmann::json::parse(all.substr(all.rfind('\n', all.size() - 2) + 1));
    EXPECT_EQ(last["path"], path);
  }
}

TEST(RefusedTargets, TraceTrackAndConnectAreRefusedOnEveryRoute) {
  World w;
  for (const char* method : {"TRACE", "TRACK"}) {
    const std::string reply = get(w, "/svc.test/echo", method);
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 405")) << reply;
    EXPECT_EQ(reply.find(World::kSvcToken), std::string::npos) << reply;
  }
  const std::string connect =
      exchange(w.egress->port(), "CONNECT svc.test:443 HTTP/1.1\r\nHost: svc.test:443\r\n\r\n");
  EXPECT_TRUE(connect.starts_with("HTTP/1.1 405")) << connect;
  EXPECT_EQ(w.upstream.received(), "");
}

TEST(RefusedTargets, AReadOnlyRouteRefusesWritesWith405AndSaysWhichMethodsItTakes) {
  World w;
  w.egress->replace_routes("routes:\n  - {host: ro.test, upstream: \"" + w.upstream.url() +
                           "\", token_env: SVC_TOKEN, methods: [GET, HEAD]}\n");
  ASSERT_TRUE(w.egress->process().stderr_line_with("reloaded"));
  const std::string post = exchange(
      w.egress->port(),
      "POST /ro.test/echo HTTP/1.1\r\nHost: egress\r\nContent-Length: 2\r\nConnection: close\r\n"
      "\r\nhi");
  EXPECT_TRUE(post.starts_with("HTTP/1.1 405")) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos) << post;
  EXPECT_EQ(w.upstream.received(), "");
  EXPECT_TRUE(get(w, "/ro.test/echo").starts_with("HTTP/1.1 200"));
}

TEST(RefusedTargets, ARefusedTargetIsLoggedWithItsQueryValuesReplaced) {
  World w;
  const std::string reply =
      get(w, "/svc.test/a/%2e%2e/b?access_token=s3cr3t-value&x=1#frag-s3cr3t");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
  EXPECT_EQ(reply.find("s3cr3t"), std::string::npos) << reply;
  auto line = w.egress->next_request();
  ASSERT_TRUE(line);
  const auto r = nlohmann::json::parse(*line);
  EXPECT_EQ(r["status"], 400);
  EXPECT_EQ(r["path"].get<std::string>().find("s3cr3t"), std::string::npos) << *line;
  EXPECT_NE(r["path"].get<std::string>().find("access_token=…"), std::string::npos) << *line;
}

TEST(RefusedTargets, MalformedAndAmbiguousRequestBodiesGet400) {
  World w;
  const std::string bad_chunk = exchange(
      w.egress->port(),
      "POST /svc.test/upload HTTP/1.1\r\nHost: egress\r\nTransfer-Encoding: chunked\r\n\r\n"
      "zz\r\nhello\r\n0\r\n\r\n");
  EXPECT_TRUE(bad_chunk.starts_with("HTTP/1.1 400")) << bad_chunk;
  for (const char* coding : {"chunked, identity", "identity, chunked", "gzip, chunked"}) {
    const std::string reply =
        exchange(w.egress->port(), std::string("POST /svc.test/upload HTTP/1.1\r\nHost: egress\r\n"
                                               "Transfer-Encoding: ") +
                                       coding + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << coding << "\n" << reply;
  }
}
