// What a request would carry out, read for secrets with git-gate's rules:
// each place a secret can stand, and each wrapping it can come in.
#include "request_dlp.hpp"

#include <gtest/gtest.h>

#include <string>

#include "bottle/secrets/gitleaks_config.hpp"
#include "bottle/text/decoding.hpp"
#include "encodings.hpp"
#include "zlib_compress.hpp"

namespace {

namespace http = boost::beast::http;
using bottle_test::base64;
using bottle_test::hex;
using pipelock::RequestDlp;

// The shipped rules as pipelock reads them for DLP.
const bottle::secrets::Scanner& shipped() {
  static const bottle::secrets::Scanner scanner([] {
    auto rules = bottle::secrets::load_gitleaks_config(SHIPPED_RULES);
    RequestDlp::drop_end_boundaries(rules);
    return rules;
  }());
  return scanner;
}

const std::string kToken = "ghp_" + std::string("Q8z2Lm4T9xKv7W3rN5pA1bC6dE0fG2hJ4kL8");

std::string gzip(std::string_view in) { return bottle_test::compressed(in, 16 + 15); }

http::fields fields(std::initializer_list<std::pair<std::string, std::string>> list) {
  http::fields f;
  for (const auto& [k, v] : list) f.insert(k, v);
  return f;
}

std::string head_where(std::string_view target, const http::fields& f = {}) {
  const auto finding = RequestDlp(shipped()).scan_head(target, f);
  return finding ? finding->rule_id + " in " + finding->where : "none";
}

std::string body_where(std::string_view body, const http::fields& f = {}) {
  const auto finding = RequestDlp(shipped()).scan_body(body, f);
  return finding ? finding->rule_id + " in " + finding->where : "none";
}

TEST(RequestDlp, CleanRequestsPass) {
  EXPECT_EQ(head_where("/repos/octo/hello/pulls?state=open&per_page=100&sort=updated",
                       fields({{"Accept", "application/vnd.github+json"},
                               {"User-Agent", "curl/7.88.1"},
                               {"If-None-Match", "W/\"3f2a9c0d1e8b7a6f5c4d3e2f1a0b9c8d\""}})),
            "none");
  EXPECT_EQ(head_where("/-/lodash-4.17.21.tgz"), "none");
  EXPECT_EQ(head_where("/v2/library/debian/blobs/"
                       "sha256:3f2a9c0d1e8b7a6f5c4d3e2f1a0b9c8d7e6f5a4b3f2a9c0d1e8b7a6f5c4d3e2f"),
            "none");
  EXPECT_EQ(body_where("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":"
                       "\"Explain base64 encoding of aGVsbG8gd29ybGQ=\"}]}",
                       fields({{"Content-Type", "application/json"}})),
            "none");
}

TEST(RequestDlp, ASecretInTheQueryIsFoundByItsParameter) {
  EXPECT_EQ(head_where("/collect?v=1&t=" + kToken), "github-pat in query value 't'");
  // percent-encoded, and '+' for a space in a form-encoded query
  EXPECT_EQ(head_where("/collect?note=my+token+%67hp_Q8z2Lm4T9xKv7W3rN5pA1bC6dE0fG2hJ4kL8"),
            "github-pat in query value 'note'");
  // encoded twice
  EXPECT_EQ(head_where("/c?x=%2567hp_Q8z2Lm4T9xKv7W3rN5pA1bC6dE0fG2hJ4kL8"),
            "github-pat in query value 'x' (percent-encoded)");
}

TEST(RequestDlp, ASecretInThePathOrAHeaderIsFound) {
  EXPECT_EQ(head_where("/upload/" + kToken + "/x"), "github-pat in path");
  EXPECT_EQ(head_where("/", fields({{"X-Debug", "token " + kToken}})),
            "github-pat in header 'X-Debug'");
}

TEST(RequestDlp, ASecretWrappedInBase64OrHexIsFound) {
  EXPECT_EQ(head_where("/p?d=" + base64("key=" + kToken)),
            "github-pat in query value 'd' (base64)");
  EXPECT_EQ(head_where("/p", fields({{"X-Data", hex("t=" + kToken)}})),
            "github-pat in header 'X-Data' (hex)");
  // two layers: hex inside base64
  EXPECT_EQ(body_where("payload=" + base64(hex(kToken + " ok"))),
            "github-pat in body (base64) (hex)");
}

TEST(RequestDlp, ASecretInAJsonFormOrMultipartBodyIsFound) {
  EXPECT_EQ(body_where("{\"a\":{\"b\":\"" + kToken + "\"}}",
                       fields({{"Content-Type", "application/json"}})),
            "github-pat in body");
  // JSON escapes hide the token from a plain read
  std::string escaped = kToken;
  escaped.replace(1, 1, "\\u0068");
  EXPECT_EQ(body_where("{\"a\":\"" + escaped + "\"}"), "github-pat in body (escaped)");
  EXPECT_EQ(body_where("note=" + std::string("%67hp_Q8z2Lm4T9xKv7W3rN5pA1bC6dE0fG2hJ4kL8"),
                       fields({{"Content-Type", "application/x-www-form-urlencoded"}})),
            "github-pat in body (form)");
  // a MIME part in base64, wrapped at 20 characters
  std::string b64 = base64("secret: " + kToken + "\n");
  std::string wrapped;
  for (std::size_t i = 0; i < b64.size(); i += 20) wrapped += b64.substr(i, 20) + "\r\n";
  EXPECT_EQ(
      body_where("--xyz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                     wrapped + "--xyz--\r\n",
                 fields({{"Content-Type", "multipart/form-data; boundary=xyz"}})),
      "github-pat in body (base64)");
}

TEST(RequestDlp, AGzippedBodyIsReadAndOneThatCannotBeReadIsRefused) {
  EXPECT_EQ(body_where(gzip("{\"t\":\"" + kToken + "\"}"), fields({{"Content-Encoding", "gzip"}})),
            "github-pat in body");
  EXPECT_EQ(body_where(gzip("clean text"), fields({{"Content-Encoding", "gzip"}})), "none");
  EXPECT_EQ(body_where("not gzip at all", fields({{"Content-Encoding", "gzip"}})),
            "dlp-unreadable-body in body (not valid gzip data)");
  EXPECT_EQ(body_where("xx", fields({{"Content-Encoding", "br"}})),
            "dlp-unreadable-body in body (Content-Encoding 'br' cannot be read)");
  const std::string bomb = gzip(std::string(50u << 20, 'a'));
  EXPECT_NE(body_where(bomb, fields({{"Content-Encoding", "gzip"}})).find("inflates past"),
            std::string::npos);
}

TEST(RequestDlp, ASecretWithACharacterAddedAtEitherEndIsStillFound) {
  EXPECT_EQ(head_where("/", fields({{"X-A", kToken + "x"}})), "github-pat in header 'X-A'");
  EXPECT_EQ(head_where("/", fields({{"X-A", "xAKIAZ3MQ5TJ7RWX2KBPD"}})),
            "aws-access-key-id in header 'X-A'");
}

TEST(RequestDlp, ARequestWithMoreEncodedRunsThanItReadsIsRefused) {
  // Padding runs ahead of the secret once made the reader stop before it.
  std::string body;
  for (int i = 0; i < 4100; ++i) body += "QUFBQUFBQUFBQUFBQUFB ";
  body += base64("t=" + kToken);
  EXPECT_EQ(body_where(body),
            "dlp-unreadable-request in the request (more than 4096 encoded runs to read)");
  // What is sent as it is is always read, however many parameters come first.
  std::string query = "/?";
  for (int i = 0; i < 5000; ++i) query += "a&";
  EXPECT_EQ(head_where(query, fields({{"X-A", kToken}})), "github-pat in header 'X-A'");
}

TEST(RequestDlp, NamesAnAgentChoseAreEscapedInTheFinding) {
  const auto where = head_where("/?%1b%5b31m=" + kToken);
  EXPECT_EQ(where.find('\x1b'), std::string::npos) << where;
  EXPECT_NE(where.find("github-pat"), std::string::npos) << where;
}

}  // namespace

namespace {

TEST(RequestDlp, AScanWhoseBudgetIsSpentIsAFindingNotAPass) {
  // The secret is there; a scan given no time has not read it, and says so.
  const bottle::secrets::ScanBudget spent{std::chrono::steady_clock::now()};
  const auto body = RequestDlp(shipped()).scan_body("x=" + kToken, {}, spent);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->rule_id, "dlp-scan-timeout");
  const auto head = RequestDlp(shipped()).scan_head("/?q=plain", {}, spent);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->rule_id, "dlp-scan-timeout");
  // With time, the same body names its rule.
  EXPECT_EQ(body_where("x=" + kToken), "github-pat in body");
}

}  // namespace
