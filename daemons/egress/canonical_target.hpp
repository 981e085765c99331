#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace egress {

// The one form of a request target egress forwards. Servers differ in what
// they make of other spellings (a ';' parameter, an encoded '/', a '..' in
// disguise, a fragment, an overlong UTF-8 byte), so a target that is not
// already in this form is refused, never rewritten into it: an ambiguity
// refused is safer than one resolved differently from the upstream. The
// route, the prefix and the push refusal are decided on exactly the bytes
// that are then forwarded.
//
// A path is '/'-separated RFC 3986 segments in which
//   - ALPHA, DIGIT, '-', '.', '_', '~', "!$&'()*+,=", ':' and '@' appear as
//     they are, and unreserved characters are never percent-encoded;
//   - every other byte is percent-encoded with upper-case hex ("%20" and
//     encoded UTF-8 are fine), except that '/', '\', ';', '%', NUL and other
//     controls may not appear at all, raw or encoded, nor ';' raw;
//   - encoded bytes above 0x7F form well-formed UTF-8 (no overlong forms);
//   - no segment is made of dots only ('.', '..', '...'), ends in '.' or in
//     a space, and none is empty but the last (a trailing slash).
// A query follows the same escape rules ('/', '?' and ';' may appear raw in
// it; '%25' may not start a double encoding such as "%252D"; bytes need not
// be UTF-8), is not empty when there is a '?', and there is no fragment.

// Why `path` (starting with '/') is not in the canonical form, or nothing.
std::optional<std::string> path_problem(std::string_view path);

// Why `query` (what follows the '?') is not in the canonical form, or nothing.
std::optional<std::string> query_problem(std::string_view query);

}  // namespace egress
