// Reading gitleaks configurations: every key the issue names, extension of
// the shipped rules, and errors that name file, line and key.
#include "bottle/secrets/gitleaks_config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "bottle/config/config_error.hpp"
#include "bottle/secrets/scanner.hpp"

using namespace bottle::secrets;
namespace fs = std::filesystem;

namespace {

std::string error_of(const std::string& text, const LoadOptions& options = {}) {
  try {
    parse_gitleaks_config(text, "org.toml", options);
  } catch (const bottle::config::ConfigError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> rule_ids(const RuleSet& rules) {
  std::vector<std::string> ids;
  for (const auto& r : rules.rules) ids.push_back(r.id);
  return ids;
}

const Source kWhere{"test", "src/app.py", "c0ffee"};

std::size_t found(const Scanner& s, const std::string& text, const Source& where = kWhere) {
  return s.scan(text, where).size();
}

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("gitleaks-config-" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

}  // namespace

TEST(GitleaksConfig, ReadsRulesWithEveryKeyAndBothAllowlistForms) {
  const auto rules = parse_gitleaks_config(R"(
title = "org rules"

[[rules]]
id = "acme-token"
description = "Acme API token"
regex = '''acme_(?:live|test)_([a-z0-9]{20})'''
secretGroup = 1
entropy = 3.0
keywords = ["ACME_"]
path = '''\.py$'''
tags = ["acme"]
[[rules.allowlists]]
description = "the docs' token"
regexTarget = "match"
regexes = ['''acme_test_''']
[[rules.allowlists]]
condition = "AND"
paths = ['''^src/''']
stopwords = ["fixture"]
[rules.allowlist]
commits = ["DEADBEEF"]

[[allowlists]]
targetRules = ["acme-token"]
regexTarget = "line"
regexes = ['''#\s*not-a-secret''']

[allowlist]
paths = ['''^vendor/''']
)",
                                           "org.toml");
  ASSERT_EQ(rules.rules.size(), 1u);
  const Rule& r = rules.rules[0];
  EXPECT_EQ(r.id, "acme-token");
  EXPECT_EQ(r.secret_group, 1);
  EXPECT_EQ(r.keywords, std::vector<std::string>{"acme_"});  // keywords match in any case
  EXPECT_EQ(r.allowlists.size(), 3u);
  EXPECT_EQ(rules.allowlists.size(), 2u);
  const Scanner s(rules);
  const std::string live = "acme_live_q8z2lm4t9xkv7w3rn5pa";
  EXPECT_EQ(found(s, "k = '" + live + "'"), 1u);
  EXPECT_EQ(found(s, "k = '" + live + "'", {"t", "src/app.rb", ""}), 0u);    // path
  EXPECT_EQ(found(s, "k = 'acme_test_q8z2lm4t9xkv7w3rn5pa'"), 0u);           // regexTarget match
  EXPECT_EQ(found(s, "k = '" + live + "'  # not-a-secret"), 0u);             // global, line
  EXPECT_EQ(found(s, "k = '" + live + "'", {"t", "vendor/x.py", ""}), 0u);   // global path
  EXPECT_EQ(found(s, "k = '" + live + "'", {"t", "x.py", "deadbeef"}), 0u);  // commit, any case
  EXPECT_EQ(found(s, "k = 'acme_live_fixture9xkv7w3rn5pa2'", {"t", "src/a.py", ""}), 0u);  // AND
  EXPECT_EQ(found(s, "k = 'acme_live_fixture9xkv7w3rn5pa2'", {"t", "lib/a.py", ""}), 1u);  // AND
}

TEST(GitleaksConfig, AnUnknownKeyIsAnErrorNamingItAndItsLine) {
  EXPECT_NE(error_of("[[rules]]\nid = 'a'\nregex = 'x'\nkewords = ['a']\n")
                .find("org.toml:4: rule 'a': key 'kewords': unknown key"),
            std::string::npos)
      << error_of("[[rules]]\nid = 'a'\nregex = 'x'\nkewords = ['a']\n");
  EXPECT_NE(error_of("[[rules]]\nid = 'a'\nregex = 'x'\n[[allowlists]]\nregex = ['y']\n")
                .find("org.toml:5: allowlist 1: key 'regex': unknown key"),
            std::string::npos);
  EXPECT_NE(
      error_of("[extend]\nuseDefaults = true\n").find("org.toml:2: extend: key 'useDefaults'"),
      std::string::npos);
}

TEST(GitleaksConfig, BadValuesAreErrorsNamingLineAndKey) {
  EXPECT_NE(
      error_of("[[rules]]\nid = 'a'\nregex = '(unclosed'\n")
          .find("org.toml:3: rule 'a': key 'regex': '(unclosed' is not a valid RE2 expression"),
      std::string::npos);
  EXPECT_NE(
      error_of("[[rules]]\nid = 'a'\nregex = 'x'\nsecretGroup = 2\n")
          .find("org.toml:4: rule 'a': key 'secretGroup': 2 is not a group of the expression"),
      std::string::npos);
  EXPECT_NE(error_of("[[rules]]\nid = 'a'\nregex = 'x'\nentropy = 9\n").find("key 'entropy'"),
            std::string::npos);
  EXPECT_NE(error_of("[[rules]]\nid = 'a'\ndescription = 'no pattern'\n")
                .find("rule 'a': key 'regex': a rule needs a regex, a path or both"),
            std::string::npos);
  EXPECT_NE(error_of("[[rules]]\nid = 'a'\nregex = 'x'\n[[rules]]\nid = 'a'\nregex = 'y'\n")
                .find("'a' is used twice"),
            std::string::npos);
  EXPECT_NE(error_of("[[rules]]\nid = 'a'\nregex = 'x'\n[rules.allowlist]\ncondition = 'XOR'\n"
                     "paths = ['p']\n")
                .find("org.toml:5: rule 'a': allowlist: key 'condition': 'xor' must be OR or AND"),
            std::string::npos);
  EXPECT_NE(error_of("[[rules]]\nid = 'a'\nregex = 'x\n").find("org.toml:3:"), std::string::npos)
      << error_of("[[rules]]\nid = 'a'\nregex = 'x\n");  // TOML syntax
}

TEST(GitleaksConfig, KeysGitleaksDefinesButThisEngineDoesNotUseAreWarnings) {
  const auto rules =
      parse_gitleaks_config("[[rules]]\nid = 'a'\nregex = 'x'\nskipReport = true\n", "org.toml");
  ASSERT_EQ(rules.warnings.size(), 1u);
  EXPECT_NE(rules.warnings[0].find("org.toml:4: rule 'a': key 'skipReport' is not used here"),
            std::string::npos)
      << rules.warnings[0];
}

TEST(GitleaksConfig, UseDefaultExtendsTheShippedRulesAndDisabledRulesRemovesSome) {
  const LoadOptions shipped{SHIPPED_RULES};
  const auto base = load_gitleaks_config(SHIPPED_RULES);
  const auto rules = parse_gitleaks_config(R"(
[extend]
useDefault = true
disabledRules = ["jwt"]

[[rules]]
id = "acme-token"
regex = '''acme_[a-z0-9]{20}'''
keywords = ["acme_"]

[[rules]]
id = "github-pat"
[[rules.allowlists]]
regexes = ['''^ghp_0{4}''']
)",
                                           "org.toml", shipped);
  const auto ids = rule_ids(rules);
  EXPECT_EQ(ids.size(), base.rules.size());  // one disabled, one added
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "jwt"), 0);
  EXPECT_EQ(ids.back(), "acme-token");
  const Scanner s(rules);
  // The extending rule's allowlist is added to the shipped rule, which keeps its regex.
  EXPECT_EQ(found(s, "t = 'ghp_0000BnJ2KxLmP9qRsT4uVwX7yZa1bC3dEf5g'"), 0u);
  EXPECT_EQ(found(s, "t = 'ghp_1000BnJ2KxLmP9qRsT4uVwX7yZa1bC3dEf5g'"), 1u);
  EXPECT_NE(error_of("[extend]\nuseDefault = true\ndisabledRules = ['jwtt']\n", shipped)
                .find("org.toml:3: extend: key 'disabledRules': 'jwtt' is not a rule"),
            std::string::npos);
  EXPECT_NE(error_of("[extend]\nuseDefault = true\npath = 'x.toml'\n", shipped)
                .find("give either useDefault or path, not both"),
            std::string::npos);
}

TEST(GitleaksConfig, ExtendPathIsReadBesideTheFileAndNotTooDeep) {
  Scratch s;
  s.write("base.toml", "[[rules]]\nid = 'base'\nregex = 'BASE_[0-9]{8}'\n");
  s.write("middle.toml", "[extend]\npath = 'base.toml'\n[[rules]]\nid = 'mid'\nregex = 'MID'\n");
  const auto rules = load_gitleaks_config(s.write("top.toml", "[extend]\npath = 'middle.toml'\n"));
  EXPECT_EQ(rule_ids(rules), (std::vector<std::string>{"base", "mid"}));
  s.write("deeper.toml", "[extend]\npath = 'top.toml'\n");
  try {
    load_gitleaks_config((s.dir / "deeper.toml").string());
    FAIL();
  } catch (const bottle::config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("extends too deep"), std::string::npos) << e.what();
  }
}

TEST(ShippedRules, LoadCleanlyAndCoverAtLeastAHundredProviders) {
  const auto rules = load_gitleaks_config(SHIPPED_RULES);
  EXPECT_TRUE(rules.warnings.empty());
  std::set<std::string> providers;
  for (const auto& r : rules.rules) {
    EXPECT_FALSE(r.description.empty()) << r.id;
    // Without keywords a rule would run on every fragment: the prefilter is what keeps the scan
    // fast.
    if (r.regex) {
      EXPECT_FALSE(r.keywords.empty()) << r.id;
    }
    ASSERT_EQ(r.tags.size(), 1u) << r.id;
    providers.insert(r.tags[0]);
  }
  std::printf("shipped rules: %zu rules, %zu providers\n", rules.rules.size(), providers.size());
  EXPECT_GE(providers.size(), 100u);
}
