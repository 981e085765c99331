#include "secret_scanner.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "bottle/config/config_error.hpp"

using namespace git_gate;

namespace {

const SecretRules& shipped() {
  static const SecretRules rules = SecretRules::load(SHIPPED_RULES);
  return rules;
}

// Deterministic token-looking text: never a real credential.
std::string noise(std::size_t n, const std::string& alphabet, unsigned seed = 7) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    out += alphabet[(seed >> 16) % alphabet.size()];
  }
  return out;
}
const std::string kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const std::string kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

std::vector<std::string> rules_found(const std::string& line,
                                     const SecretRules& rules = shipped()) {
  std::vector<std::string> ids;
  for (const auto& f : scan_line(rules, line, "src/config.txt", 1, "c0ffee"))
    ids.push_back(f.rule_id);
  return ids;
}

bool finds(const std::string& line, const std::string& rule) {
  const auto ids = rules_found(line);
  return std::find(ids.begin(), ids.end(), rule) != ids.end();
}

}  // namespace

TEST(SecretScanner, EveryShippedRuleFindsItsSecret) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"aws-access-key-id", "aws_access_key_id = AKIA" + noise(16, kUpper)},
      {"aws-secret-access-key", "aws_secret_access_key = " + noise(40, kAlnum + "/+")},
      {"gcp-api-key", "key: AIza" + noise(35, kAlnum + "_-")},
      {"gcp-service-account-key", R"(  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEv...",)"},
      {"azure-storage-account-key", "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=" +
                                        noise(86, kAlnum + "+/") + "=="},
      {"github-token", "GH=ghp_" + noise(36, kAlnum)},
      {"github-token", "token: ghs_" + noise(36, kAlnum)},
      {"github-fine-grained-token", "github_pat_" + noise(82, kAlnum + "_")},
      {"gitlab-token", "glpat-" + noise(20, kAlnum + "-_")},
      {"slack-token", "SLACK=xoxb-" + noise(12, "0123456789") + "-" + noise(24, kAlnum)},
      {"slack-webhook", "url = https://hooks.slack.com/services/T" + noise(8, kUpper) + "/B" +
                            noise(8, kUpper) + "/" + noise(24, kAlnum)},
      {"stripe-key", "STRIPE=sk_live_" + noise(24, kAlnum)},
      {"npm-token", "//registry/:_authToken=npm_" + noise(36, kAlnum)},
      {"private-key", "-----BEGIN RSA PRIVATE KEY-----"},
      {"private-key", "-----BEGIN OPENSSH PRIVATE KEY-----"},
      {"private-key", "-----BEGIN PRIVATE KEY-----"},
      {"jwt", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." +
                  noise(43, kAlnum + "_-")},
      {"generic-secret-assignment", "api_key = \"" + noise(32, kAlnum) + "\""},
      {"generic-secret-assignment", "DB_PASSWORD: " + noise(24, kAlnum + "!-")},
  };
  std::set<std::string> covered;
  for (const auto& [rule, line] : cases) {
    EXPECT_TRUE(finds(line, rule)) << rule << " missed in: " << line;
    covered.insert(rule);
  }
  for (const auto& r : shipped().rules) EXPECT_TRUE(covered.count(r.id)) << r.id << " untested";
}

TEST(SecretScanner, NearMissesAreNotFindings) {
  for (const std::string& line : std::vector<std::string>{
           "aws_access_key_id = AKIA" + noise(15, kUpper),     // one short
           "id = XAKIA" + noise(16, kUpper),                   // inside a word
           "aws_secret_access_key = " + std::string(40, 'a'),  // no entropy
           "key: AIza" + noise(34, kAlnum),                    // one short
           std::string(R"("private_key_id": "0123abcd")"),
           "AccountKey=" + noise(40, kAlnum),   // too short
           "ghp_" + noise(35, kAlnum),          // one short
           "ghx_" + noise(36, kAlnum),          // no such prefix
           "glpat-" + noise(19, kAlnum) + " ",  // one short
           "xoxz-" + noise(20, kAlnum),         // no such prefix
           std::string("see https://hooks.slack.com/ for webhooks"),
           "pk_live_" + noise(24, kAlnum),  // publishable, not secret
           std::string("npm_install_script = true"),
           std::string("-----BEGIN PUBLIC KEY-----"),
           std::string("-----BEGIN CERTIFICATE-----"),
           std::string("header = eyJhbGciOiJIUzI1NiJ9"),             // a JWT header alone
           std::string("api_key = \"changeme_changeme_changeme\""),  // low entropy
           std::string("password = os.environ[\"PASSWORD\"]"),       // a lookup, not a value
           std::string("token = get_token_from_vault(secret_name)"),
       }) {
    EXPECT_EQ(rules_found(line), std::vector<std::string>{}) << line;
  }
}

TEST(SecretScanner, EntropyThresholdDecides) {
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abcd"), 2.0);
  const auto rules = SecretRules::parse(
      "rules:\n  - {id: t, description: d, regex: 'tok=(\\w+)', secret_group: 1, entropy: 3.0}\n",
      "r.yaml");
  EXPECT_EQ(rules_found("tok=abababababab", rules).size(), 0u);
  EXPECT_EQ(rules_found("tok=q8Zr2LmT9xKv", rules).size(), 1u);
}

TEST(SecretScanner, AllowlistedPathsSecretsAndFingerprintsAreNotFindings) {
  const auto dir = std::filesystem::temp_directory_path() / "gg-rules-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "accepted") << "# accepted by the operator\nc0ffee:src/a.txt:t:3\n";
  std::ofstream(dir / "rules.yaml")
      << "rules:\n  - {id: t, description: d, regex: 'KEY_[A-Z]+'}\n"
         "allowlist:\n  paths: ['^docs/']\n  regexes: ['^KEY_DUMMY$']\n"
         "  fingerprints_file: accepted\n";
  const auto rules = SecretRules::load((dir / "rules.yaml").string());
  EXPECT_EQ(scan_line(rules, "KEY_REAL", "src/a.txt", 2, "c0ffee").size(), 1u);
  EXPECT_EQ(scan_line(rules, "KEY_REAL", "docs/a.txt", 2, "c0ffee").size(), 0u);
  EXPECT_EQ(scan_line(rules, "KEY_DUMMY", "src/a.txt", 2, "c0ffee").size(), 0u);
  // An allowed first match does not hide a second on the same line.
  EXPECT_EQ(scan_line(rules, "KEY_DUMMY KEY_REAL", "src/a.txt", 2, "c0ffee").size(), 1u);
  EXPECT_EQ(scan_line(rules, "KEY_REAL", "src/a.txt", 3, "c0ffee").size(), 0u);  // accepted
  EXPECT_EQ(scan_line(rules, "KEY_REAL", "src/a.txt", 3, "beef").size(), 1u);    // other commit
  std::filesystem::remove_all(dir);
}

TEST(SecretScanner, TheExcerptShowsWhereButNotTheSecret) {
  const std::string key = "AKIA" + noise(16, kUpper);
  const auto found =
      scan_line(shipped(), "export AWS_ACCESS_KEY_ID=" + key + "  # prod", "env.sh", 4, "abc123");
  ASSERT_EQ(found.size(), 1u);
  const std::string excerpt = found[0].redacted_excerpt();
  EXPECT_EQ(excerpt, "export AWS_ACCESS_KEY_ID=AKIA…  # prod");
  EXPECT_EQ(excerpt.find(key), std::string::npos);
  EXPECT_EQ(found[0].fingerprint(), "abc123:env.sh:aws-access-key-id:4");
}

TEST(PatchScanner, TracksCommitPathAndNewLineNumbersAndSkipsBinaries) {
  const std::string key = "ghp_" + noise(36, kAlnum);
  const std::string patch =
      "\x01"
      "aaaa1111\n\n"
      "diff --git a/src/x.py b/src/x.py\nindex 1..2 100644\n--- a/src/x.py\n+++ b/src/x.py\n"
      "@@ -10,0 +11,2 @@ def f():\n+ok = 1\n+value = '" +
      key +
      "'\n"
      "diff --git a/img.png b/img.png\nBinary files a/img.png and b/img.png differ\n"
      "\x01"
      "bbbb2222\n\n"
      "diff --git a/notes b/notes\n--- a/notes\n+++ b/notes\n@@ -1 +1 @@\n-old\n"
      "+++ " +
      key + "\n";  // an added line that itself starts with "++"
  PatchScanner scanner(shipped());
  std::size_t start = 0;
  for (std::size_t nl; (nl = patch.find('\n', start)) != std::string::npos; start = nl + 1) {
    scanner.feed_line(std::string_view(patch).substr(start, nl - start));
  }
  ASSERT_EQ(scanner.findings().size(), 2u);
  EXPECT_EQ(scanner.findings()[0].fingerprint(), "aaaa1111:src/x.py:github-token:12");
  EXPECT_EQ(scanner.findings()[1].fingerprint(), "bbbb2222:notes:github-token:1");
}

TEST(SecretRulesFile, ErrorsNameTheFileLineAndKey) {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      SecretRules::parse(text, "rules.yaml");
    } catch (const bottle::config::ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(
      error_of("rules:\n  - {id: a, description: d, regex: '(unclosed'}\n")
          .find("rules.yaml:2: rule 1: key 'regex': '(unclosed' is not a valid RE2 expression"),
      std::string::npos);
  EXPECT_NE(error_of("rules:\n  - {id: a, description: d, regex: 'x', secret_group: 2}\n")
                .find("key 'secret_group': 2 is not a group of the expression"),
            std::string::npos);
  EXPECT_NE(error_of("rules:\n  - {id: a, description: d, regex: 'x', entropy: 9}\n")
                .find("key 'entropy'"),
            std::string::npos);
  EXPECT_NE(error_of("rules:\n  - {id: a, description: d, regex: x, kewords: [a]}\n")
                .find("key 'kewords': unknown key"),
            std::string::npos);
  EXPECT_NE(error_of("rules: []\n").find("non-empty list"), std::string::npos);
}
