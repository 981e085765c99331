#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bottle::proposals {

constexpr std::size_t kMaxUpstreamBytes = 512;

// Why `upstream` is not an upstream an agent may propose, or nothing. The one
// form accepted is the one the operator reads and egress forwards alike:
//   https:// + host [":" port] [path]
// host: passes hostname_problem (no wildcard) and public_site_problem, in
//   lower case, without a trailing dot;
// port: 1 to 65535, digits only, no leading zero;
// path: starts with '/', only RFC 3986 path characters (letters, digits,
//   - . _ ~ ! $ & ' ( ) * + , ; = : @ / and %XX with two hex digits), no "."
//   or ".." segment, spelled out or percent-encoded; no query, no fragment;
// at most kMaxUpstreamBytes in all.
std::optional<std::string> upstream_problem(std::string_view upstream);

}  // namespace bottle::proposals
