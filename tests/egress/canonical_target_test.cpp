#include "canonical_target.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

using namespace egress;

namespace {

// Each path, and the words its refusal must contain ("" when it is canonical).
const std::vector<std::pair<std::string, std::string>> kPaths = {
    // Canonical.
    {"/", ""},
    {"/repos/o/r", ""},
    {"/repos/o/r/", ""},
    {"/a%20b", ""},
    {"/%C3%A9t%C3%A9/%E2%9C%93", ""},
    {"/a:b@c!$&'()*+,=~_-.x", ""},
    {"/v1.2/..x/.y/x..y", ""},
    {"/%3F%23%5B%5D%22%3C%3E%60%7B%7D%7C%5E", ""},
    {"/%F0%9F%98%80", ""},
    // Fragments and ';' parameters.
    {"/r.git/git-receive-pack#x", "fragment"},
    {"/r.git/git-receive-pack;x=1", "';' parameters"},
    {"/app;jsessionid=0123/x", "';' parameters"},
    {"/r.git/git-receive-pack%3Bx=1", "'%3B' encodes ';'"},
    // NUL, controls, spaces and non-ASCII.
    {"/git-receive-pack%00", "NUL or control"},
    {"/x%09", "NUL or control"},
    {"/x%7F", "NUL or control"},
    {"/a b", "raw byte 0x20"},
    {"/a\tb", "raw byte 0x09"},
    {"/\xc3\xa9", "raw byte 0xC3"},
    {"/a\x7f", "raw byte 0x7F"},
    // What some servers drop at the end of a name.
    {"/git-receive-pack%20", "ends in '.' or a space"},
    {"/git-receive-pack.", "ends in '.' or a space"},
    {"/r.git./x", "ends in '.' or a space"},
    // Backslashes and encoded separators.
    {"/a\\b", "backslash"},
    {"/a%5Cb", "'%5C' encodes '\\'"},
    {"/a%2Fb", "'%2F' encodes '/'"},
    {"/a%2fb", "upper-case hex"},
    // Overlong and broken UTF-8.
    {"/%C0%AF", "not well-formed UTF-8"},
    {"/%E0%80%AF", "not well-formed UTF-8"},
    {"/%ED%A0%80", "not well-formed UTF-8"},
    {"/%C3", "not well-formed UTF-8"},
    {"/%FF", "not well-formed UTF-8"},
    // Double encoding and encoded unreserved characters.
    {"/git%252Dreceive-pack", "'%25' encodes '%'"},
    {"/git%2Dreceive%2Dpack", "'%2D' encodes '-'"},
    {"/%61pi", "'%61' encodes 'a'"},
    {"/%7E", "'%7E' encodes '~'"},
    // Malformed escapes.
    {"/a%", "not followed by two hex digits"},
    {"/a%4", "not followed by two hex digits"},
    {"/a%zz", "not followed by two hex digits"},
    {"/a%%41", "not followed by two hex digits"},
    // Characters that must be encoded.
    {"/a\"b", "'\"' must be percent-encoded"},
    {"/a<b>", "'<' must be percent-encoded"},
    {"/a{b}", "'{' must be percent-encoded"},
    {"/a|b", "'|' must be percent-encoded"},
    {"/a^b", "'^' must be percent-encoded"},
    {"/a`b", "'`' must be percent-encoded"},
    {"/a[0]", "'[' must be percent-encoded"},
    {"/a?b", "'?' must be percent-encoded"},
    // Dot segments in every spelling, and what walks out of a prefix.
    {"/api/../other", "'.' or '..' segment"},
    {"/api/./x", "'.' or '..' segment"},
    {"/api/..", "'.' or '..' segment"},
    {"/api/.../other", "'.' or '..' segment"},
    {"/api/%2e%2e/other", "'.' or '..' segment"},
    {"/api/%2E%2E/other", "'.' or '..' segment"},
    {"/api/.%2E/other", "'.' or '..' segment"},
    {"/api/..;/other", "';' parameters"},
    {"/api/%2e%2e;/other", "upper-case hex"},
    {"/api/%2E%2E;/other", "'%2E' encodes '.'"},
    {"/api/.;/x", "';' parameters"},
    {"/api/..%00/other", "NUL or control"},
    {"/api/..%09/other", "NUL or control"},
    {"/api/..%2F..%2Fother", "'%2F' encodes '/'"},
    {"/api/%252e%252e/other", "'%25' encodes '%'"},
    {"/api//other", "empty segment"},
    {"//other", "empty segment"},
    // Not a path at all.
    {"", "does not start with '/'"},
    {"x", "does not start with '/'"},
};

const std::vector<std::pair<std::string, std::string>> kQueries = {
    {"a=1&b=2", ""},
    {"q=a%2Fb&empty=&flag", ""},
    {"redirect=/x/y?z", ""},
    {"x=%E2%9C%93&y=%FF", ""},
    {"a=1;b=2", ""},
    {"pct=100%25", ""},
    {"pct=100%25off", ""},
    {"s=a+b", ""},
    {"", "no query after it"},
    {"a=1#frag", "fragment"},
    {"a=%2d", "upper-case hex"},
    {"service=git%2Dreceive%2Dpack", "'%2D' encodes '-'"},
    {"service=git%252Dreceive-pack", "'%25' encodes '%'"},
    {"a=%00", "NUL or control"},
    {"a=%0A", "NUL or control"},
    {"a=b c", "raw byte 0x20"},
    {"a=\xc3\xa9", "raw byte 0xC3"},
    {"a=\\", "backslash"},
    {"a=%", "not followed by two hex digits"},
    {"a=\"x\"", "'\"' must be percent-encoded"},
};

}  // namespace

TEST(CanonicalTarget, EveryPathSpellingInTheTableIsAcceptedOrRefusedForItsReason) {
  for (const auto& [path, reason] : kPaths) {
    const auto problem = path_problem(path);
    if (reason.empty()) {
      EXPECT_FALSE(problem) << "'" << path << "': " << problem.value_or("");
    } else {
      ASSERT_TRUE(problem) << "'" << path << "' was accepted";
      EXPECT_NE(problem->find(reason), std::string::npos)
          << "'" << path << "': " << *problem << " (expected: " << reason << ")";
    }
  }
}

TEST(CanonicalTarget, EveryQuerySpellingInTheTableIsAcceptedOrRefusedForItsReason) {
  for (const auto& [query, reason] : kQueries) {
    const auto problem = query_problem(query);
    if (reason.empty()) {
      EXPECT_FALSE(problem) << "'" << query << "': " << problem.value_or("");
    } else {
      ASSERT_TRUE(problem) << "'" << query << "' was accepted";
      EXPECT_NE(problem->find(reason), std::string::npos)
          << "'" << query << "': " << *problem << " (expected: " << reason << ")";
    }
  }
}

TEST(CanonicalTarget, AQueryRefusalNeverQuotesAValue) {
  const auto problem = query_problem("token=s3cr3t%2dvalue");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->find("s3cr3t"), std::string::npos) << *problem;
}

TEST(CanonicalTarget, EveryEscapeOfEveryByteIsJudgedOnce) {
  // Each byte, percent-encoded in a path: canonical exactly when the byte is
  // neither unreserved nor one the form forbids, and (alone) valid UTF-8.
  const std::string forbidden = "/\\;%";
  for (int b = 0; b < 256; ++b) {
    const char* hex = "0123456789ABCDEF";
    const std::string path = std::string("/x%") + hex[b >> 4] + hex[b & 15] + "y";
    const auto c = static_cast<unsigned char>(b);
    const bool unreserved = std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
    const bool canonical = !unreserved && c >= 0x20 && c < 0x7f &&
                           forbidden.find(static_cast<char>(c)) == std::string::npos;
    EXPECT_EQ(!path_problem(path), canonical) << path;
  }
}
