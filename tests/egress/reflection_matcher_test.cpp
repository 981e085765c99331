#include "reflection_matcher.hpp"

#include <gtest/gtest.h>

#include <random>

#include "encodings.hpp"
#include "marked_run.hpp"

using namespace egress;

using bottle_test::base64;
using bottle_test::hex;
using egress_test::marked;

namespace {

const std::string kToken = "ghp_9f8E7d6C5b4A3f2e1D0c9B8a7F6e5D4c3B2a";

std::string percent_all(std::string_view data, bool upper) {
  std::string out;
  for (unsigned char c : data) out += "%" + hex(std::string(1, static_cast<char>(c)), upper);
  return out;
}

std::string scan(const ReflectionPatterns& p, std::string_view in) {
  ReflectionMatcher m(p);
  std::string out;
  m.feed(in, out);
  m.finish(out);
  return out;
}

// Feeds `in` in pieces cut at `cuts`, and checks nothing is held longer than it must be.
std::string scan_split(const ReflectionPatterns& p, std::string_view in,
                       const std::vector<std::size_t>& cuts) {
  ReflectionMatcher m(p);
  std::string out;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    m.feed(in.substr(from, cut - from), out);
    EXPECT_LE(m.held(), 3 * p.longest());
    from = cut;
  }
  m.feed(in.substr(from), out);
  m.finish(out);
  return out;
}

}  // namespace

TEST(ReflectionMatcher, TheMarkerOccursInNoFormOfTheToken) {
  const ReflectionPatterns p(kToken);
  EXPECT_EQ(p.marker(), '*');
  const std::string starry_token = "tok*en#with!marks~and^more|of-them";
  const ReflectionPatterns starry(starry_token);
  EXPECT_EQ(starry_token.find(starry.marker()), std::string::npos) << starry.marker();
  EXPECT_EQ(scan(starry, "<" + starry_token + ">"),
            "<" + std::string(starry_token.size(), starry.marker()) + ">");
}

TEST(ReflectionMatcher, TheRawTokenIsReplacedByMarkersOfTheSameLength) {
  const ReflectionPatterns p(kToken);
  const std::string in = "{\"auth\": \"Bearer " + kToken + "\"}";
  const std::string out = scan(p, in);
  EXPECT_EQ(out, "{\"auth\": \"Bearer " + std::string(kToken.size(), '*') + "\"}");
  ReflectionMatcher m(p);
  std::string ignored;
  m.feed(in, ignored);
  m.finish(ignored);
  ASSERT_EQ(m.replacements().size(), 1u);
  EXPECT_EQ(m.replacements()[0].offset, 17u);
  EXPECT_EQ(m.replacements()[0].length, kToken.size());
  EXPECT_EQ(m.replacements()[0].form, TokenForm::kRaw);
  EXPECT_FALSE(m.replacements()[0].percent_encoded);
}

TEST(ReflectionMatcher, Base64InBothAlphabetsIsReplacedAtEveryAlignment) {
  // A token with bytes that make '+', '/', '-' and '_' appear in its base64.
  const std::string token = kToken + "\xfb\xff\xbe?>";
  const ReflectionPatterns p(token);
  for (bool url : {false, true}) {
    for (const std::string before : {"", "a", "ab", "abc", "Basic dXNlcjo"}) {
      const std::string encoded = base64(before + token + "!", url);
      const std::string in = "x=" + encoded + ";";
      const long run = marked(in, scan(p, in), '*');
      // All but the characters the token shares with its neighbours.
      EXPECT_GE(run, static_cast<long>(token.size() * 4 / 3 - 2)) << in;
      EXPECT_LE(run, static_cast<long>(token.size() * 4 / 3 + 1)) << in;
    }
  }
}

TEST(ReflectionMatcher, HexInEitherCaseAndPercentEncodingInAnyMixAreReplacedWhole) {
  const ReflectionPatterns p(kToken);
  std::string mixed;  // every third byte encoded, hex digits in both cases
  for (std::size_t i = 0; i < kToken.size(); ++i) {
    if (i % 3 == 0) {
      mixed += percent_all(kToken.substr(i, 1), i % 2 == 0);
    } else {
      mixed += kToken[i];
    }
  }
  for (const std::string& form : {hex(kToken, false), hex(kToken, true), percent_all(kToken, true),
                                  percent_all(kToken, false), mixed}) {
    const std::string in = "see: " + form + "\n";
    EXPECT_EQ(marked(in, scan(p, in), '*'), static_cast<long>(form.size())) << in;
  }
  ReflectionMatcher m(p);
  std::string out;
  m.feed(percent_all(kToken, true), out);
  m.finish(out);
  ASSERT_EQ(m.replacements().size(), 1u);
  EXPECT_TRUE(m.replacements()[0].percent_encoded);
}

TEST(ReflectionMatcher, ATokenWithSlashesIsFoundJsonEscapedAndUrlEncoded) {
  const std::string token = "abc/def+ghi/jkl=mnopqrstu";
  const ReflectionPatterns p(token);
  const std::string json = "{\"t\":\"abc\\/def+ghi\\/jkl=mnopqrstu\"}";
  EXPECT_EQ(marked(json, scan(p, json), '*'), 27);
  const std::string url = "t=abc%2Fdef%2Bghi%2Fjkl%3Dmnopqrstu&x";
  EXPECT_EQ(marked(url, scan(p, url), '*'), static_cast<long>(url.size() - 4));
  const std::string literal_percent = "pre-ab%41cd%zz-token-post";
  const ReflectionPatterns q("ab%41cd%zz-token");
  EXPECT_EQ(scan(q, literal_percent), "pre-****************-post");
}

TEST(ReflectionMatcher, NearMissesPassByteForByte) {
  const ReflectionPatterns p(kToken);
  std::string changed = kToken;
  changed[10] = changed[10] == 'x' ? 'y' : 'x';
  const std::string shorter = kToken.substr(0, kToken.size() - 1);
  for (const std::string& in : {
           changed,
           shorter,
           kToken.substr(1),
           base64(changed),
           base64(shorter),
           base64(kToken).substr(0, base64(kToken).size() - 6),
           base64(kToken).substr(4),
           hex(shorter, false),
           hex(kToken, false).substr(0, 2 * kToken.size() - 1),
           percent_all(shorter, true),
           percent_all(kToken, true).substr(0, 3 * kToken.size() - 1),
           std::string("%") + kToken.substr(0, 20) + "%" + kToken.substr(20),
       }) {
    const std::string framed = "[" + in + "]";
    EXPECT_EQ(scan(p, framed), framed);
  }
}

TEST(ReflectionMatcher, AMatchCutAcrossPiecesAnywhereIsStillReplaced) {
  const ReflectionPatterns p(kToken);
  for (const std::string& form : {kToken, base64("xy" + kToken), percent_all(kToken, false)}) {
    const std::string in = "head " + form + " tail";
    const std::string whole = scan(p, in);
    ASSERT_NE(whole, in);
    for (std::size_t a = 0; a <= in.size(); ++a) {
      EXPECT_EQ(scan_split(p, in, {a}), whole) << "cut at " << a;
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < in.size(); ++i) every.push_back(i);
    EXPECT_EQ(scan_split(p, in, every), whole);
  }
}

TEST(ReflectionMatcher, TextThatCannotStartAMatchIsNeverHeldBack) {
  const ReflectionPatterns p(kToken);
  ReflectionMatcher m(p);
  std::string out;
  m.feed("event: ping\ndata: {}\n\n", out);
  EXPECT_EQ(m.held(), 0u);
  EXPECT_EQ(out, "event: ping\ndata: {}\n\n");
  // The first bytes of the token could be the start of it: held, then released.
  m.feed("data: " + kToken.substr(0, 6), out);
  EXPECT_EQ(m.held(), 6u);
  m.feed("!\n", out);
  EXPECT_EQ(m.held(), 0u);
  m.feed("%4", out);
  EXPECT_EQ(m.held(), 2u);
  m.finish(out);
  EXPECT_EQ(out, "event: ping\ndata: {}\n\ndata: " + kToken.substr(0, 6) + "!\n%4");
}

TEST(ReflectionMatcher, RandomStreamsKeepTheirLengthAndLoseEveryForm) {
  const ReflectionPatterns p(kToken);
  std::mt19937 rng(7);
  const std::vector<std::string> forms = {kToken, base64("q" + kToken), base64("qq" + kToken, true),
                                          hex(kToken, true), percent_all(kToken, false)};
  for (int round = 0; round < 300; ++round) {
    std::string in;
    const int parts = static_cast<int>(rng() % 6);
    for (int i = 0; i < parts; ++i) {
      const std::size_t noise = rng() % 40;
      for (std::size_t j = 0; j < noise; ++j) in += static_cast<char>(rng() % 256);
      in += forms[rng() % forms.size()];
    }
    std::vector<std::size_t> cuts;
    for (std::size_t at = rng() % 17; at < in.size(); at += 1 + rng() % 17) cuts.push_back(at);
    const std::string out = scan_split(p, in, cuts);
    EXPECT_EQ(out.size(), in.size());
    EXPECT_EQ(out, scan(p, in));
    // Nothing is left to find, and what was not replaced is unchanged.
    ReflectionMatcher again(p);
    std::string twice;
    again.feed(out, twice);
    again.finish(twice);
    EXPECT_EQ(again.replaced(), 0u) << round;
    EXPECT_EQ(out.find(kToken), std::string::npos);
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (out[i] != in[i]) {
        ASSERT_EQ(out[i], '*');
      }
    }
  }
}

TEST(ReflectionMatcher, AShortTokenIsMatchedRawButItsShortEncodingsAreNot) {
  const ReflectionPatterns p("abc12");
  EXPECT_EQ(scan(p, "xabc12x"), "x*****x");
  const std::string b64 = base64("abc12");
  EXPECT_EQ(scan(p, b64), b64);  // 5 characters: would match by chance
  EXPECT_EQ(scan(p, hex("abc12", false)), "**********");
}
