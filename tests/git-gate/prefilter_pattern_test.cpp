// The set's rewritten expressions: every counted repetition widened, nothing
// else touched, and each shipped rule's rewrite still an expression RE2 takes.
#include "bottle/secrets/prefilter_pattern.hpp"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include "bottle/secrets/gitleaks_config.hpp"

using bottle::secrets::widen_repetitions;

TEST(PrefilterPattern, EveryCountedRepetitionLosesItsUpperBoundAndKeepsAtMostCapOfItsLowerOne) {
  EXPECT_EQ(widen_repetitions("a{3,5}"), "a{3,}");
  EXPECT_EQ(widen_repetitions("x{100,1000}"), "x{8,}");
  EXPECT_EQ(widen_repetitions("x{0,300}?y"), "x{0,}y");
  EXPECT_EQ(widen_repetitions("[A-Z2-7]{16}"), "[A-Z2-7]{8,}");
  EXPECT_EQ(widen_repetitions("(ab){2}c{20,}"), "(ab){2,}c{8,}");
  EXPECT_EQ(widen_repetitions("x{40}", 16), "x{16,}");
}

TEST(PrefilterPattern, BracesThatAreNotRepetitionsStayAsTheyAre) {
  for (const char* same : {"[{3}]", "\\{3\\}", "a{,3}", "a{x}", "a{3", "[]{3}]", "[^]{3}]",
                           "[[:digit:]{3}]", "[\\]{3}]", "\\x{41}", "\\p{Greek}", "\\P{Han}",
                           "\\Q{30}\\E", "\\Qa{3}", "{", "}", "\\", "["}) {
    EXPECT_EQ(widen_repetitions(same), same) << same;
  }
  EXPECT_EQ(widen_repetitions("\\x{41}{30}"), "\\x{41}{8,}");
  EXPECT_EQ(widen_repetitions("\\p{Greek}{20}"), "\\p{Greek}{8,}");
  EXPECT_EQ(widen_repetitions("\\Q{30}\\E{30}"), "\\Q{30}\\E{8,}");
  EXPECT_EQ(widen_repetitions("[[:digit:]]{40}"), "[[:digit:]]{8,}");
}

// Braces RE2 reads as literal text, found by an attacker: a count with a
// leading zero or too many digits is no repetition to RE2, and a '[' ending a
// range ("!-[") opens no [:name:]. Rewritten, each hid its rule from the set.
TEST(PrefilterPattern, BracesRe2ReadsAsTextAreNotRewritten) {
  for (const char* same :
       {"^a{01}$", "^a{00}$", "^a{1,02}$", "^a{0,08}$", "^a{1000000000}$", "^a{12345}$",
        "^a{1,12345}$", "[!-[:]:][]{1,2}]", "[\\x21-[:]:][]{1,2}]"}) {
    EXPECT_EQ(widen_repetitions(same), same) << same;
  }
  EXPECT_EQ(widen_repetitions("[!-[:]:][]{1,2}]x{9}"), "[!-[:]:][]{1,2}]x{8,}");
  EXPECT_EQ(widen_repetitions("[[:alpha:]{3}]{3}"), "[[:alpha:]{3}]{3,}");
}

TEST(PrefilterPattern, TheWidenedFormMatchesWhatTheOriginalMatches) {
  const std::pair<const char*, const char*> cases[] = {
      {"^a{01}$", "a{01}"},
      {"^a{1,02}$", "a{1,02}"},
      {"^a{1000000000}$", "a{1000000000}"},
      {"[!-[:]:][]{1,2}]", "!:]2"},
      {"\\b(AKIA[A-Z2-7]{16})\\b", "key = AKIAQWERTYUIOPASDFGH;"},
      {"(?i)token[\\w.-]{0,20}\\s*=\\s*['\"]([a-f0-9]{40})['\"]",
       "my_token = 'da39a3ee5e6b4b0d3255bfef95601890afd80709'"},
      {"x{2}y{3,4}?z", "xxyyyz"},
  };
  for (const auto& [pattern, text] : cases) {
    const RE2 original(pattern);
    const RE2 widened(widen_repetitions(pattern));
    ASSERT_TRUE(original.ok() && widened.ok()) << pattern;
    EXPECT_TRUE(RE2::PartialMatch(text, original)) << pattern;
    EXPECT_TRUE(RE2::PartialMatch(text, widened)) << pattern;
  }
}

// A rewrite RE2 refused would put the original back in the set (correct,
// but the slow compile again): every shipped rule's must be accepted.
TEST(PrefilterPattern, EveryShippedRulesWidenedExpressionCompiles) {
  const auto rules = bottle::secrets::load_gitleaks_config(SHIPPED_RULES);
  std::size_t widened = 0;
  for (const auto& rule : rules.rules) {
    if (!rule.regex) continue;
    const std::string w = widen_repetitions(rule.regex->pattern());
    RE2::Options options;
    options.set_log_errors(false);
    EXPECT_TRUE(RE2(w, options).ok()) << rule.id << ": " << w;
    widened += w != rule.regex->pattern();
  }
  EXPECT_GT(widened, rules.rules.size() / 2);
}
