// The reflection guard: an upstream that sends the route's token back (a debug
// endpoint, an error page quoting the request) never gets it into the
// sandbox, whatever the encoding, however the response is cut into chunks,
// and gzipped or not; and what merely resembles the token passes untouched.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "egress_harness.hpp"
#include "marked_run.hpp"

using namespace egress_test;
using bottle_test::run;

using egress_test::marked;

namespace {

struct Reply {
  std::string headers;
  std::string body;
  std::string x_echo;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// GET /svc.test/reflect?<query> with curl (which does not ask for compression).
Reply reflect(const World& w, const std::string& query) {
  const auto dir = bottle_test::scratch_dir("egress-reflect");
  auto [code, out] = run({"curl", "-sS", "-D", (dir / "headers").string(), "-o",
                          (dir / "body").string(), w.egress->base() + "svc.test/reflect?" + query});
  Reply r;
  r.headers = slurp(dir / "headers");
  r.body = slurp(dir / "body");
  std::filesystem::remove_all(dir);
  EXPECT_EQ(code, 0) << out;
  const std::size_t at = r.headers.find("X-Echo: ");
  if (at != std::string::npos) {
    r.x_echo = r.headers.substr(at + 8, r.headers.find("\r\n", at) - at - 8);
  }
  return r;
}

nlohmann::json sent(const World& w) { return nlohmann::json::parse(w.upstream.last_reflection()); }

const std::size_t kToken = std::string(World::kSvcToken).size();

}  // namespace

TEST(ReflectionGuard, ATokenEchoedRawInAHeaderAndTheBodyIsReplacedAndTheDecisionLogged) {
  World w;
  const Reply r = reflect(w, "form=raw");
  const auto s = sent(w);
  EXPECT_EQ(r.headers.find(World::kSvcToken), std::string::npos) << r.headers;
  EXPECT_EQ(r.body.find(World::kSvcToken), std::string::npos) << r.body;
  EXPECT_EQ(marked(s["header"], r.x_echo), static_cast<long>(kToken)) << r.x_echo;
  EXPECT_EQ(marked(s["body"], r.body), static_cast<long>(kToken)) << r.body;

  std::string decision;
  for (int i = 0; i < 2; ++i) {
    auto line = w.egress->next_request();
    ASSERT_TRUE(line);
    if (line->find("\"decision\"") != std::string::npos) decision = *line;
  }
  ASSERT_FALSE(decision.empty());
  const auto d = nlohmann::json::parse(decision);
  EXPECT_EQ(d["decision"], "redact");
  EXPECT_EQ(d["route"], "svc.test/");
  EXPECT_EQ(d["found_in"], nlohmann::json::array({"header X-Echo", "body"})) << decision;
  const std::string logs = decision + w.egress->all_output();
  EXPECT_EQ(logs.find(World::kSvcToken), std::string::npos) << logs;
}

TEST(ReflectionGuard, EveryEncodingAtEveryAlignmentIsReplacedEvenCutIntoThreeByteChunks) {
  World w;
  for (const std::string form :
       {"base64", "base64url", "hex", "HEX", "percent", "percent-lower", "raw"}) {
    for (int prefix = 0; prefix < 3; ++prefix) {
      const std::string query = "form=" + form + "&prefix=" + std::to_string(prefix) + "&chunk=3";
      const Reply r = reflect(w, query);
      const auto s = sent(w);
      const long in_body = marked(s["body"], r.body);
      const long in_header = marked(s["header"], r.x_echo);
      // base64 keeps at most the two characters at each end that the token
      // shares with its neighbours; every other form is replaced whole.
      const long least = form.starts_with("base64") ? static_cast<long>(kToken * 4 / 3 - 4)
                                                    : static_cast<long>(kToken);
      EXPECT_GE(in_body, least) << query << "\n" << s["body"] << "\n" << r.body;
      EXPECT_GE(in_header, least) << query << "\n" << s["header"] << "\n" << r.x_echo;
    }
  }
}

TEST(ReflectionGuard, AGzippedEchoIsDecodedForTheAgentAndReplaced) {
  World w;
  const Reply r = reflect(w, "form=base64&chunk=7&gzip=1");
  const auto s = sent(w);
  EXPECT_EQ(r.headers.find("Content-Encoding"), std::string::npos) << r.headers;
  EXPECT_GE(marked(s["body"], r.body), static_cast<long>(kToken * 4 / 3 - 4)) << r.body;
  // egress asked the upstream not to compress (this one does regardless).
  const std::string all = w.upstream.received();
  const auto seen = nlohmann::json::parse(all.substr(all.rfind('\n', all.size() - 2) + 1));
  EXPECT_EQ(seen["headers"]["Accept-Encoding"], "identity");
}

TEST(ReflectionGuard, NearMissesPassByteForByte) {
  World w;
  for (const std::string query : {
           "form=raw&mutate=1",
           "form=base64&mutate=1",
           "form=hex&mutate=1&chunk=5",
           "form=raw&drop_last=1",
           "form=base64&drop_last=1",
           "form=base64&truncate=6",
           "form=base64url&prefix=1&truncate=5&chunk=2",
           "form=percent&truncate=3",
           "form=raw&mutate=1&gzip=1",
       }) {
    const Reply r = reflect(w, query);
    const auto s = sent(w);
    EXPECT_EQ(r.body, s["body"]) << query;
    EXPECT_EQ(r.x_echo, s["header"]) << query;
  }
  // Nothing was replaced, so nothing was logged as a redaction.
  for (auto line = w.egress->next_request(200ms); line; line = w.egress->next_request(200ms)) {
    EXPECT_EQ(line->find("\"decision\""), std::string::npos) << *line;
  }
}
