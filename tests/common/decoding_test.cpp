#include "bottle/text/decoding.hpp"

#include <gtest/gtest.h>

namespace {

using namespace bottle::text;

TEST(PercentDecode, DecodesEscapesAndKeepsStrayPercents) {
  EXPECT_EQ(percent_decode("a%2Db%2db"), "a-b-b");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("%00"), std::string(1, '\0'));
}

TEST(Base64Decode, EitherAlphabetWithOrWithoutPadding) {
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode("aGVsbG8"), "hello");
  EXPECT_EQ(base64_decode("Pz8_"), "??\x3f");
  EXPECT_EQ(base64_decode("Pz8/"), "??\x3f");
}

TEST(Base64Decode, RefusesWhatIsNotBase64) {
  EXPECT_EQ(base64_decode(""), std::nullopt);
  EXPECT_EQ(base64_decode("a"), std::nullopt) << "no encoding leaves one character over";
  EXPECT_EQ(base64_decode("ab+_"), std::nullopt) << "two alphabets mixed";
  EXPECT_EQ(base64_decode("ab.c"), std::nullopt);
  EXPECT_EQ(base64_decode("aGVsbG9="), std::nullopt) << "stray bits in the last character";
}

TEST(HexDecode, EvenDigitsOnly) {
  EXPECT_EQ(hex_decode("68656C6c6f"), "hello");
  EXPECT_EQ(hex_decode("686"), std::nullopt);
  EXPECT_EQ(hex_decode("6g"), std::nullopt);
}

TEST(LooksLikeText, UnicodeTextYesBinaryNo) {
  EXPECT_TRUE(looks_like_text("token: abc\r\n\tdéjà vu"));
  EXPECT_FALSE(looks_like_text(""));
  EXPECT_FALSE(looks_like_text("\xff\xfe\x01"));
  EXPECT_FALSE(looks_like_text(std::string("ab\0\0\0cd", 7)));
}

}  // namespace
