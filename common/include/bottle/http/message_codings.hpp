#pragma once

#include <boost/beast/http/fields.hpp>
#include <string>

namespace bottle::http {

// Whether a message's Transfer-Encoding is one egress reads unambiguously:
// absent, or one field that says exactly "chunked". "chunked, identity" is
// not chunked to Beast and chunked to some servers; "gzip, chunked" would
// reach the other side as a body nobody says is compressed.
bool plain_transfer_coding(const boost::beast::http::fields& fields);

// A response body's Content-Encoding, as far as the reflection guard cares:
// none, one it decodes (gzip, deflate), or one it cannot read.
struct ContentCoding {
  enum Kind { kIdentity, kGzip, kDeflate, kUnreadable } kind = kIdentity;
  std::string value;  // the header's value, for an error message
};
ContentCoding content_coding_of(const boost::beast::http::fields& fields);

}  // namespace bottle::http
