// The engine: keyword prefilter, gitleaks' match semantics, the redacted
// excerpt, windows over large content, and decoding of UTF-16/32 and binary.
#include <gtest/gtest.h>

#include "bottle/secrets/entropy.hpp"
#include "bottle/secrets/gitleaks_config.hpp"
#include "bottle/secrets/keyword_index.hpp"
#include "bottle/secrets/scanner.hpp"
#include "bottle/secrets/stream_scanner.hpp"

using namespace bottle::secrets;

namespace {

Scanner scanner_of(const std::string& toml) {
  return Scanner(parse_gitleaks_config(toml, "t.toml"));
}

const Scanner& shipped() {
  static const Scanner s(load_gitleaks_config(SHIPPED_RULES));
  return s;
}

const Source kWhere{"file src/app.env", "src/app.env", "abc123"};

// A GitHub token made for the tests: the right shape, not a credential.
const std::string kToken = "ghp_" + std::string("Q8z2Lm4T9xKv7W3rN5pA1bC6dE0fG2hJ4kL8");

std::vector<std::string> ids(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.rule_id);
  return out;
}

std::vector<Finding> stream(const Scanner& s, const std::string& bytes, std::size_t piece = 4096,
                            std::size_t workers = 1) {
  StreamScanner st(s, kWhere, workers);
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    st.feed(std::string_view(bytes).substr(at, piece));
  }
  st.finish();
  return st.take_findings();
}

std::string utf16(const std::string& ascii, bool little, bool bom) {
  std::string out = bom ? (little ? std::string("\xff\xfe") : std::string("\xfe\xff")) : "";
  for (char c : ascii) {
    out += little ? std::string{c, '\0'} : std::string{'\0', c};
  }
  return out;
}

}  // namespace

TEST(KeywordIndex, FindsEveryKeywordInOnePassInAnyCase) {
  const KeywordIndex index({"akia", "ghp_", "key", "monkey", "he"});
  std::vector<bool> found;
  index.find("Monkey business: GHP_x", found);
  EXPECT_EQ(found, (std::vector<bool>{false, true, true, true, false}));
  index.find("she sells", found);
  EXPECT_EQ(found, (std::vector<bool>{false, false, false, false, true}));
  index.find("", found);
  EXPECT_EQ(found, (std::vector<bool>(5, false)));
}

TEST(Scanner, ARuleRunsOnlyWhereOneOfItsKeywordsOccurs) {
  const auto s = scanner_of(
      "[[rules]]\nid = 'k'\nregex = '''[0-9]{6}'''\nkeywords = ['pin']\n"
      "[[rules]]\nid = 'always'\nregex = '''zz[0-9]{2}'''\n");
  EXPECT_EQ(ids(s.scan("code 123456", kWhere)), std::vector<std::string>{});
  EXPECT_EQ(ids(s.scan("PIN code 123456", kWhere)), std::vector<std::string>{"k"});
  EXPECT_EQ(ids(s.scan("zz42", kWhere)),
            std::vector<std::string>{"always"});  // no keywords: always
}

TEST(Scanner, TheSecretIsTheSecretGroupElseTheFirstGroupThatMatchedElseTheMatch) {
  const auto s = scanner_of(
      "[[rules]]\nid = 'g2'\nregex = '''(a)=(\\w+)'''\nsecretGroup = 2\nentropy = 2.5\n"
      "[[rules]]\nid = 'first'\nregex = '''(?:(x)|y)=(\\w+)'''\nentropy = 2.5\n");
  // entropy is measured on the secret: the group, not the whole match.
  EXPECT_EQ(ids(s.scan("a=q8Zr2LmT", kWhere)), std::vector<std::string>{"g2"});
  EXPECT_EQ(ids(s.scan("a=abab", kWhere)), std::vector<std::string>{});
  EXPECT_EQ(ids(s.scan("y=q8Zr2LmT", kWhere)), std::vector<std::string>{"first"});  // group 2
  EXPECT_EQ(ids(s.scan("x=q8Zr2LmT", kWhere)), std::vector<std::string>{});         // group 1: "x"
}

TEST(Scanner, EntropyMustExceedTheThreshold) {
  EXPECT_DOUBLE_EQ(shannon_entropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy("abcd"), 2.0);
  const auto s = scanner_of("[[rules]]\nid = 't'\nregex = '''tok=(\\w+)'''\nentropy = 2.0\n");
  EXPECT_EQ(s.scan("tok=abcd", kWhere).size(), 0u);  // exactly 2.0: not more
  EXPECT_EQ(s.scan("tok=abcde", kWhere).size(), 1u);
}

TEST(Scanner, EveryMatchOnALineIsTriedSoAnAllowedOneHidesNoOther) {
  const auto s = scanner_of(
      "[[rules]]\nid = 't'\nregex = '''KEY_[A-Z]+'''\n[[rules.allowlists]]\nregexes = "
      "['''^KEY_DUMMY$''']\n");
  EXPECT_EQ(s.scan("KEY_DUMMY KEY_REAL", kWhere).size(), 1u);
}

TEST(Scanner, AMatchMaySpanLinesAndTheFindingNamesTheSecretsLine) {
  const std::string text = "a\n<api_token>\n    " + kToken + "\n</api_token>\n";
  const auto found = shipped().scan(text, kWhere);
  ASSERT_FALSE(found.empty());
  for (const auto& f : found) {
    EXPECT_EQ(f.line, 3u) << f.rule_id;
    EXPECT_EQ(f.column, 5u) << f.rule_id;
  }
}

TEST(Scanner, TheExcerptShowsWhereButNeitherTheSecretNorTerminalControls) {
  const auto found =
      shipped().scan("x\nexport GITHUB_TOKEN=" + kToken + "  # \x1b[2Jprod\n", kWhere);
  ASSERT_FALSE(found.empty());
  const Finding& f = found[0];
  EXPECT_EQ(f.rule_id, "github-pat");
  EXPECT_EQ(f.excerpt, "export GITHUB_TOKEN=ghp_…  # \\x1b[2Jprod");
  EXPECT_EQ(f.excerpt.find(kToken), std::string::npos);
  EXPECT_EQ(f.fingerprint(), "abc123:src/app.env:github-pat:2");
  Finding without_commit{.rule_id = "r", .source = {"", "a.txt", ""}, .line = 4};
  EXPECT_EQ(without_commit.fingerprint(), "a.txt:r:4");
}

TEST(Scanner, APathOnlyRuleReportsTheFileOnce) {
  StreamScanner st(shipped(), {"file certs/client.p12", "certs/client.p12", "c0"});
  st.feed("\x30\x82\x0a\x00 binary");
  st.finish();
  EXPECT_EQ(ids(st.findings()), std::vector<std::string>{"pkcs12-file"});
}

TEST(StreamScanner, FindsASecretOnTheLastLineOfContentLargerThanManyWindows) {
  std::string big;
  while (big.size() < 3 * StreamScanner::kWindow) big += "int value = compute(index, count);\n";
  const auto lines = std::count(big.begin(), big.end(), '\n');
  const auto found = stream(shipped(), big + "token = \"" + kToken + "\"\n");
  ASSERT_EQ(ids(found), std::vector<std::string>{"github-pat"});
  EXPECT_EQ(found[0].line, static_cast<std::uint64_t>(lines + 1));
}

TEST(StreamScanner, AKeyBlockAcrossAWindowsEdgeIsFoundOnce) {
  const auto s = scanner_of(
      "[[rules]]\nid = 'pem'\nregex = '''-----BEGIN KEY-----[\\s\\S]{20,1000}?-----END "
      "KEY-----'''\n"
      "keywords = ['-----begin']\n");
  std::string text;
  while (text.size() < StreamScanner::kWindow - 100) text += "filler line of text\n";
  text += "-----BEGIN KEY-----\n";
  for (int i = 0; i < 10; ++i) text += "MIIEowIBAAKCAQEAq8Zr2LmT9xKv7W3rN5pA1bC6dE0fG2hJ4kL8\n";
  text += "-----END KEY-----\n";
  const auto found = stream(s, text, 65536);
  ASSERT_EQ(found.size(), 1u);
}

TEST(StreamScanner, ALineLongerThanAWindowIsCutButItsSecretIsFoundOnce) {
  std::string line(StreamScanner::kWindow - 10, 'a');
  line += " token=" + kToken + " " + std::string(100, 'b') + "\n";
  EXPECT_EQ(ids(stream(shipped(), line)), std::vector<std::string>{"github-pat"});
}

TEST(StreamScanner, WindowsScannedAtOnceFindWhatOneThreadFindsInTheSameOrder) {
  // Secrets in the middle of windows, on their edges (in the overlap, found by
  // two windows, reported once) and a key block across an edge.
  std::string text;
  int planted = 0;
  while (text.size() < 7 * StreamScanner::kWindow) {
    text += "int value = compute(index, count);\n";
    const std::size_t into_window = text.size() % StreamScanner::kWindow;
    if (into_window < 40 || (into_window > StreamScanner::kWindow / 2 &&
                             into_window < StreamScanner::kWindow / 2 + 40)) {
      text += "token = \"" + kToken + "\"\n";
      ++planted;
    }
  }
  text += "-----BEGIN RSA PRIVATE KEY-----\n";
  for (int i = 0; i < 20; ++i)
    text += "MIIEowIBAAKCAQEAq8Zr2LmT9xKv7W3rN5pA1bC6dE0fG2hJ4kL8q8Zr2LmT9x\n";
  text += "-----END RSA PRIVATE KEY-----\n";
  const auto one = stream(shipped(), text, 65536, 1);
  ASSERT_GE(one.size(), static_cast<std::size_t>(planted));
  for (std::size_t workers : {2, 3, 8}) {
    const auto many = stream(shipped(), text, 65536, workers);
    ASSERT_EQ(many.size(), one.size()) << workers << " workers";
    for (std::size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(many[i].rule_id, one[i].rule_id);
      EXPECT_EQ(many[i].offset, one[i].offset);
      EXPECT_EQ(many[i].line, one[i].line);
    }
  }
}

TEST(ContentDecoder, Utf16AndUtf32WithOrWithoutAMarkAreReadAsText) {
  const std::string text = "config = 1\ntoken = " + kToken + "\n";
  for (bool little : {true, false}) {
    for (bool bom : {true, false}) {
      EXPECT_EQ(ids(stream(shipped(), utf16(text, little, bom), 7)),
                std::vector<std::string>{"github-pat"})
          << "little " << little << " bom " << bom;
    }
  }
  std::string utf32 = "\xff\xfe";
  utf32 += std::string(2, '\0');
  for (char c : text) utf32 += std::string{c, '\0', '\0', '\0'};
  StreamScanner st(shipped(), kWhere);
  st.feed(utf32);
  st.finish();
  EXPECT_EQ(st.kind(), ContentDecoder::Kind::utf32le);
  ASSERT_EQ(ids(st.findings()), std::vector<std::string>{"github-pat"});
  EXPECT_EQ(st.findings()[0].line, 2u);
}

TEST(ContentDecoder, BinaryContentIsScannedAsItsPrintableRuns) {
  std::string binary("\0\x01\x02PK\x03\x04", 7);
  binary += std::string(100, '\0') + "tok" + std::string(1, '\0') + kToken + std::string(5, '\x01');
  StreamScanner st(shipped(), kWhere);
  st.feed(binary);
  st.finish();
  EXPECT_EQ(st.kind(), ContentDecoder::Kind::binary);
  EXPECT_EQ(ids(st.findings()), std::vector<std::string>{"github-pat"});
  std::string decoded;
  ContentDecoder d;
  using namespace std::string_literals;
  d.feed("\0abc\0printable run\x7f"s, decoded);
  d.finish(decoded);
  EXPECT_EQ(decoded, "printable run\n");  // runs shorter than 8 bytes are dropped
}
