// The pieces of the pre-receive hook that need no git: cat-file's stream,
// what the agent reads, the decision line, refusals, config keys.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "bottle/config/config_error.hpp"
#include "cat_file_stream.hpp"
#include "decision_line.hpp"
#include "gate_config.hpp"
#include "gate_rules.hpp"
#include "pre_receive.hpp"

using namespace git_gate;

TEST(CatFileStream, ReadsObjectsWhateverPiecesTheyArriveIn) {
  const std::string output =
      "aaaa blob 5 src/a.txt\nhello\nbbbb commit 3 \nabc\ncccc tree 0 docs\n\n";
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, output.size()}) {
    std::vector<std::string> seen;
    std::string content;
    CatFileStream stream(
        {[&](const ObjectHeader& h) {
           seen.push_back(h.id + "|" + h.type + "|" + std::to_string(h.size) + "|" + h.rest);
         },
         [&](std::string_view bytes) { content += bytes; }, [&] { content += "#"; }});
    for (std::size_t at = 0; at < output.size(); at += piece) {
      stream.feed(std::string_view(output).substr(at, piece));
    }
    EXPECT_TRUE(stream.complete());
    EXPECT_EQ(seen, (std::vector<std::string>{"aaaa|blob|5|src/a.txt", "bbbb|commit|3|",
                                              "cccc|tree|0|docs"}));
    EXPECT_EQ(content, "hello#abc##");
  }
  CatFileStream missing({[](const ObjectHeader&) {}, [](std::string_view) {}, [] {}});
  EXPECT_THROW(missing.feed("dddd missing\n"), std::runtime_error);
}

TEST(PreReceive, ARefUnderRefsReplaceIsRefusedWithTheReason) {
  std::istringstream in(std::string(40, '0') + " " + std::string(40, 'a') + " refs/heads/x\n" +
                        std::string(40, '0') + " " + std::string(40, 'b') + " refs/replace/" +
                        std::string(40, 'c') + "\n");
  const auto updates = parse_ref_updates(in);
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_NE(
      refused_ref(updates).find("is a replace ref, which makes every clone show other history"),
      std::string::npos);
  EXPECT_EQ(refused_ref({updates[0]}), "");
}

TEST(PreReceive, TheRejectionNamesRuleWhereAndExcerptButNotTheSecret) {
  bottle::secrets::Finding f;
  f.rule_id = "github-pat";
  f.description = "GitHub personal access token";
  f.source = {"file app.env of commit 0123456789ab", "app.env", "0123456789abcdef"};
  f.line = 3;
  f.excerpt = "TOKEN=ghp_…";
  const std::string m = rejection_message({f});
  EXPECT_NE(m.find("push rejected: 1 secret found in what the push carries"), std::string::npos);
  EXPECT_NE(m.find("  github-pat (GitHub personal access token)\n"
                   "    file app.env of commit 0123456789ab, line 3\n"
                   "    excerpt: TOKEN=ghp_…\n"
                   "    fingerprint: 0123456789abcdef:app.env:github-pat:3\n"),
            std::string::npos)
      << m;
}

TEST(DecisionLine, ListsRefsAndRulesOnceAndShowsARedactedRefNameOnly) {
  PushDecision d;
  d.repository = "proj";
  RefUpdate u;
  u.old_id = std::string(40, '0');
  u.new_id = std::string(40, 'a');
  u.ref = "refs/heads/leak/ghp_secretsecret";
  u.redacted_name = "refs/heads/leak/ghp_…";
  d.updates = {u};
  d.rules = {"github-pat", "github-pat", "aws-access-key-id"};
  d.findings = 3;
  const std::string text = decision_line(d);
  EXPECT_EQ(text.find("secretsecret"), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos);
  const auto line = nlohmann::json::parse(text);
  EXPECT_EQ(line["event"], "push");
  EXPECT_EQ(line["decision"], "block");
  EXPECT_EQ(line["refs"][0]["ref"], "refs/heads/leak/ghp_…");
  EXPECT_EQ(line["refs"][0]["change"], "create");
  EXPECT_EQ(line["rules"], nlohmann::json::array({"aws-access-key-id", "github-pat"}));
  // Bytes that are not UTF-8 in a ref name do not end the hook.
  d.updates[0].redacted_name = "refs/heads/\xff\xfe";
  EXPECT_TRUE(nlohmann::json::parse(decision_line(d)).is_object());
}

TEST(GateRules, AcceptedFingerprintsAreOnePerLineWithComments) {
  EXPECT_EQ(parse_fingerprints("# accepted by the operator\n  c0:a.txt:r:3  # a test key\n\nx\n"),
            (std::set<std::string>{"c0:a.txt:r:3", "x"}));
}

TEST(GateConfig, RulesAreAGitleaksConfigReadBesideGitGateYaml) {
  const auto cfg = GateConfig::parse(
      "rules: org.toml\naccepted_findings: /etc/bottle/git-gate/accepted\n"
      "upstreams:\n  - {name: p, upstream: 'file:///x'}\n",
      "/etc/bottle/git-gate/git-gate.yaml");
  EXPECT_EQ(cfg.rules, "/etc/bottle/git-gate/org.toml");
  EXPECT_EQ(cfg.accepted_findings, "/etc/bottle/git-gate/accepted");
  try {
    GateConfig::parse("rules: secret-rules.yaml\nupstreams: []\n", "g.yaml");
    FAIL();
  } catch (const bottle::config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("g.yaml:1: key 'rules': 'secret-rules.yaml' must be a "
                                         "gitleaks configuration (.toml)"),
              std::string::npos)
        << e.what();
  }
}
