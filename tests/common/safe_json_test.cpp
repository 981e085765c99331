#include "bottle/json/safe_json.hpp"

#include <gtest/gtest.h>

#include "bottle/text/utf8.hpp"

using bottle::json::ParseError;

TEST(SafeJson, DumpsStringsWithInvalidBytesReplacedInsteadOfThrowing) {
  nlohmann::json j = {{"error", std::string("unknown command '\xff'")}};
  EXPECT_THROW((void)j.dump(), nlohmann::json::type_error);  // what used to kill PID 1
  const std::string out = bottle::json::dump(j);
  EXPECT_EQ(out, "{\"error\":\"unknown command '\xef\xbf\xbd'\"}");
  EXPECT_TRUE(bottle::text::is_valid_utf8(out));
}

TEST(SafeJson, ParsesOrdinaryDocuments) {
  auto j = bottle::json::parse(R"({"command":"status","n":[1,2,{"x":null}]})");
  EXPECT_EQ(j["command"], "status");
  EXPECT_EQ(j["n"][2]["x"], nullptr);
}

TEST(SafeJson, RefusesDeepNestingBeforeBuildingIt) {
  const std::string deep = std::string(160000, '[') + std::string(160000, ']');
  try {
    (void)bottle::json::parse(deep);
    FAIL() << "160000 levels were accepted";
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("deeper than 64"), std::string::npos) << e.what();
  }
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_NO_THROW((void)bottle::json::parse(ok));
  const std::string too_deep = std::string(65, '{');
  EXPECT_THROW((void)bottle::json::parse(std::string(65, '[') + std::string(65, ']')), ParseError);
  EXPECT_THROW((void)bottle::json::parse(too_deep), ParseError);
}

TEST(SafeJson, ReportsInvalidJsonAsParseErrorWithPrintableMessage) {
  for (std::string bad : {"{\"command\":\"\xff\"", "\xff\xfe", "", "{", "[1,]", "nul"}) {
    try {
      (void)bottle::json::parse(bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const ParseError& e) {
      EXPECT_TRUE(bottle::text::is_valid_utf8(e.what())) << e.what();
    }
  }
}

// Found by fuzz_proposal: a number too large for a double is nlohmann's
// out_of_range, not its parse_error; every caller catches ParseError only,
// so it ended `bottle proposals` (and would any reader of agent JSON).
TEST(SafeJson, ANumberOutOfRangeIsAParseErrorToo) {
  for (const char* text : {"1e999", "{\"a\":-1e999}", "[1,2,1e400]"}) {
    EXPECT_THROW((void)bottle::json::parse(text), ParseError) << text;
    EXPECT_THROW((void)bottle::json::parse_ordered(text), ParseError) << text;
  }
}
