#include "bottle/http/message_codings.hpp"

#include <gtest/gtest.h>

using namespace bottle::http;
namespace http = boost::beast::http;

namespace {

http::fields with(const std::vector<std::pair<http::field, std::string>>& list) {
  http::fields f;
  for (const auto& [name, value] : list) f.insert(name, value);
  return f;
}

}  // namespace

TEST(MessageCodings, OnlyNoTransferEncodingOrExactlyChunkedIsPlain) {
  EXPECT_TRUE(plain_transfer_coding(with({})));
  EXPECT_TRUE(plain_transfer_coding(with({{http::field::transfer_encoding, "chunked"}})));
  EXPECT_TRUE(plain_transfer_coding(with({{http::field::transfer_encoding, " Chunked "}})));
  for (const char* v :
       {"chunked, identity", "identity, chunked", "gzip, chunked", "identity", "chunked;x=1", ""}) {
    EXPECT_FALSE(plain_transfer_coding(with({{http::field::transfer_encoding, v}}))) << v;
  }
  EXPECT_FALSE(plain_transfer_coding(with(
      {{http::field::transfer_encoding, "chunked"}, {http::field::transfer_encoding, "chunked"}})));
}

TEST(MessageCodings, GzipAndDeflateAreReadableAndEverythingElseIsNot) {
  EXPECT_EQ(content_coding_of(with({})).kind, ContentCoding::kIdentity);
  EXPECT_EQ(content_coding_of(with({{http::field::content_encoding, "identity"}})).kind,
            ContentCoding::kIdentity);
  EXPECT_EQ(content_coding_of(with({{http::field::content_encoding, "GZIP"}})).kind,
            ContentCoding::kGzip);
  EXPECT_EQ(content_coding_of(with({{http::field::content_encoding, "x-gzip"}})).kind,
            ContentCoding::kGzip);
  EXPECT_EQ(content_coding_of(with({{http::field::content_encoding, "deflate"}})).kind,
            ContentCoding::kDeflate);
  for (const char* v : {"br", "zstd", "compress", "gzip, gzip", "deflate, br"}) {
    const auto c = content_coding_of(with({{http::field::content_encoding, v}}));
    EXPECT_EQ(c.kind, ContentCoding::kUnreadable) << v;
    EXPECT_EQ(c.value, v);
  }
  EXPECT_EQ(content_coding_of(with({{http::field::content_encoding, "gzip"},
                                    {http::field::content_encoding, "br"}}))
                .kind,
            ContentCoding::kUnreadable);
}
