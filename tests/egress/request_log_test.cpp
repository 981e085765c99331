#include "request_log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using namespace egress;

TEST(RequestLog, OneJsonLinePerRequestInReadingOrder) {
  RequestRecord r;
  r.client = "172.18.0.3:51000";
  r.route = "api.github.com/";
  r.method = "GET";
  r.host = "api.github.com";
  r.path = "/user?x=…";
  r.status = 200;
  r.bytes_to_upstream = 0;
  r.bytes_to_client = 512;
  r.duration = std::chrono::milliseconds(42);
  const std::string line = RequestLog::format(r);
  ASSERT_TRUE(line.ends_with("}\n"));
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const auto j = nlohmann::ordered_json::parse(line);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"time", "client", "route", "method", "host", "path", "status",
                                      "bytes_to_upstream", "bytes_to_client", "duration_ms"}));
  EXPECT_EQ(j["duration_ms"], 42);
}

TEST(RequestLog, ANoteSaysWhyAndBadBytesCannotBreakTheLine) {
  RequestRecord r;
  r.method = "G\xff\nT";
  r.status = 502;
  r.note = "upstream: certificate not trusted";
  const std::string line = RequestLog::format(r);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(nlohmann::json::parse(line)["note"], "upstream: certificate not trusted");
}

TEST(RequestLog, ARedactionIsOneDecisionLineNamingWhereButNeverTheValue) {
  RedactionRecord r;
  r.client = "172.18.0.3:51000";
  r.route = "api.github.com/";
  r.method = "GET";
  r.host = "api.github.com";
  r.path = "/debug";
  r.found_in = {"header X-Echo\x1b[2J", "body"};
  r.forms = {"raw", "base64 (percent-encoded)"};
  r.replaced = 3;
  const std::string line = RequestLog::format(r);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["decision"], "redact");
  EXPECT_EQ(j["route"], "api.github.com/");
  EXPECT_EQ(j["found_in"], nlohmann::json::array({"header X-Echo\\x1b[2J", "body"}));
  EXPECT_EQ(j["forms"], nlohmann::json::array({"raw", "base64 (percent-encoded)"}));
  EXPECT_EQ(j["replaced"], 3);
}
