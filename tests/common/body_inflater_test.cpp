#include "bottle/http/body_inflater.hpp"

#include <gtest/gtest.h>

#include <random>

#include "zlib_compress.hpp"

using bottle::http::BodyInflater;
using bottle_test::compressed;

namespace {

// Feeds `coded` in pieces of `piece` bytes, with an unlimited budget.
std::optional<std::string> inflated(BodyInflater::Coding coding, const std::string& coded,
                                    std::size_t piece) {
  BodyInflater inflater(coding);
  std::string out;
  for (std::size_t at = 0; at < coded.size(); at += piece) {
    const std::string_view in = std::string_view(coded).substr(at, piece);
    const auto used = inflater.inflate(in, out, SIZE_MAX);
    if (!used) return std::nullopt;
    EXPECT_EQ(*used, in.size());
  }
  if (!inflater.complete()) return std::nullopt;
  return out;
}

const std::string kText = [] {
  std::string t;
  for (int i = 0; i < 2000; ++i) t += "line " + std::to_string(i) + " of a response body\n";
  return t;
}();

}  // namespace

TEST(BodyInflater, GzipZlibAndRawDeflateDecodeInPiecesOfAnySize) {
  for (std::size_t piece : {1ul, 2ul, 7ul, 4096ul, 1ul << 20}) {
    EXPECT_EQ(inflated(BodyInflater::Coding::kGzip, compressed(kText, 31), piece), kText) << piece;
    EXPECT_EQ(inflated(BodyInflater::Coding::kDeflate, compressed(kText, 15), piece), kText)
        << piece;
    EXPECT_EQ(inflated(BodyInflater::Coding::kDeflate, compressed(kText, -15), piece), kText)
        << piece;
  }
}

TEST(BodyInflater, ConcatenatedGzipMembersAreOneBody) {
  const std::string two = compressed("first, ", 31) + compressed("second", 31);
  EXPECT_EQ(inflated(BodyInflater::Coding::kGzip, two, 3), "first, second");
}

TEST(BodyInflater, CorruptTruncatedOrTrailingDataIsRefused) {
  std::string corrupt = compressed(kText, 31);
  corrupt[corrupt.size() - 6] ^= 0x55;  // the CRC no longer matches
  EXPECT_FALSE(inflated(BodyInflater::Coding::kGzip, corrupt, 4096));
  const std::string gz = compressed(kText, 31);
  EXPECT_FALSE(inflated(BodyInflater::Coding::kGzip, gz.substr(0, gz.size() / 2), 4096));
  EXPECT_FALSE(inflated(BodyInflater::Coding::kGzip, "not gzip at all", 4096));
  EXPECT_FALSE(inflated(BodyInflater::Coding::kDeflate, compressed(kText, 15) + "xx", 4096));
  EXPECT_FALSE(inflated(BodyInflater::Coding::kDeflate, "x", 1));
  EXPECT_EQ(inflated(BodyInflater::Coding::kGzip, "", 1), "");
}

TEST(BodyInflater, ABombIsDecodedNoFasterThanTheBudgetAllows) {
  const std::string zeros(64 << 20, '\0');
  const std::string bomb = compressed(zeros, 31);
  ASSERT_LT(bomb.size(), 128u << 10);
  BodyInflater inflater(BodyInflater::Coding::kGzip);
  std::string out;
  auto used = inflater.inflate(bomb, out, 256 << 10);
  ASSERT_TRUE(used);
  EXPECT_LT(out.size(), 300u << 10);
  std::size_t total = out.size();
  std::string_view rest = std::string_view(bomb).substr(*used);
  while (!rest.empty() || inflater.output_pending()) {
    out.clear();
    used = inflater.inflate(rest, out, 256 << 10);
    ASSERT_TRUE(used);
    EXPECT_LT(out.size(), 300u << 10);
    total += out.size();
    rest.remove_prefix(*used);
  }
  EXPECT_EQ(total, zeros.size());
  EXPECT_TRUE(inflater.complete());
}
