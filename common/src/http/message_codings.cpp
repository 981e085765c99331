#include "bottle/http/message_codings.hpp"

#include <boost/beast/core/string.hpp>
#include <string_view>

namespace bottle::http {

namespace http = boost::beast::http;

namespace {

// Case-insensitive, as coding names are.
bool same(std::string_view a, std::string_view b) {
  return boost::beast::iequals(boost::beast::string_view(a.data(), a.size()),
                               boost::beast::string_view(b.data(), b.size()));
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool plain_transfer_coding(const http::fields& fields) {
  const auto [first, last] = fields.equal_range(http::field::transfer_encoding);
  if (first == last) return true;
  if (std::next(first) != last) return false;
  const std::string_view value(first->value().data(), first->value().size());
  return same(trimmed(value), "chunked");
}

ContentCoding content_coding_of(const http::fields& fields) {
  ContentCoding coding;
  const auto [first, last] = fields.equal_range(http::field::content_encoding);
  if (first == last) return coding;
  for (auto it = first; it != last; ++it) {
    if (!coding.value.empty()) coding.value += ", ";
    coding.value.append(it->value().data(), it->value().size());
  }
  const std::string_view value = trimmed(coding.value);
  if (value.empty() || same(value, "identity")) {
    coding.kind = ContentCoding::kIdentity;
  } else if (same(value, "gzip") || same(value, "x-gzip")) {
    coding.kind = ContentCoding::kGzip;
  } else if (same(value, "deflate")) {
    coding.kind = ContentCoding::kDeflate;
  } else {
    // br, zstd, compress, or codings stacked ("gzip, gzip"): unreadable here.
    coding.kind = ContentCoding::kUnreadable;
  }
  return coding;
}

}  // namespace bottle::http
