#include "canonical_target.hpp"

#include "bottle/text/utf8.hpp"

namespace egress {

namespace {

int upper_hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Characters a path segment holds as they are (RFC 3986 pchar, less ';').
bool is_plain_in_path(unsigned char c) {
  return is_unreserved(c) ||
         std::string_view("!$&'()*+,=:@").find(static_cast<char>(c)) != std::string_view::npos;
}

// The query also holds '/', '?' and ';' as they are.
bool is_plain_in_query(unsigned char c) {
  return is_plain_in_path(c) || c == '/' || c == '?' || c == ';';
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

std::string shown_byte(unsigned char c) {
  static const char* kHex = "0123456789ABCDEF";
  if (c > 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  std::string out = "byte 0x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
  return out;
}

// Checks the escapes and plain characters of `text`; `plain` says which
// characters may appear as they are. Appends the decoded bytes to `decoded`.
std::optional<std::string> escape_problem(std::string_view text, bool (*plain)(unsigned char),
                                          bool in_query, std::string& decoded) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c != '%') {
      if (c == '#') return std::string("a fragment ('#') is not part of a request");
      if (c == '\\') return std::string("a backslash is read as '/' by some servers");
      if (c == ';' && !in_query)
        return std::string("';' parameters are read differently by servers");
      if (is_control(c) || c == ' ' || c >= 0x80) {
        return "a raw " + shown_byte(c) + " (percent-encode it)";
      }
      if (!plain(c)) return shown_byte(c) + " must be percent-encoded";
      decoded += static_cast<char>(c);
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::string("a '%' that is not followed by two hex digits");
    }
    const int hi = upper_hex_value(text[i + 1]);
    const int lo = upper_hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) {
      if (is_hex(text[i + 1]) && is_hex(text[i + 2])) {
        return "'" + std::string(text.substr(i, 3)) + "' must be written with upper-case hex";
      }
      return std::string("a '%' that is not followed by two hex digits");
    }
    const auto byte = static_cast<unsigned char>(hi * 16 + lo);
    const std::string escape(text.substr(i, 3));
    if (is_unreserved(byte)) {
      return "'" + escape + "' encodes " + shown_byte(byte) + ", which is sent as it is";
    }
    if (is_control(byte)) return "'" + escape + "' encodes a NUL or control byte";
    if (byte == '%') {
      // In a query "%25" is a literal '%', unless it starts a second encoding.
      if (!in_query || (i + 4 < text.size() && is_hex(text[i + 3]) && is_hex(text[i + 4]))) {
        return "'" + escape + "' encodes '%' (a double encoding)";
      }
    } else if (!in_query && (byte == '/' || byte == '\\' || byte == ';')) {
      return "'" + escape + "' encodes " + shown_byte(byte) + ", which servers read differently";
    }
    decoded += static_cast<char>(byte);
    i += 2;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> path_problem(std::string_view path) {
  if (!path.starts_with('/')) return std::string("the path does not start with '/'");
  std::size_t start = 1;
  for (;;) {
    const std::size_t end = path.find('/', start);
    const bool last = end == std::string_view::npos;
    const std::string_view segment = path.substr(start, last ? end : end - start);
    if (segment.empty() && !last) return std::string("the path has an empty segment ('//')");
    std::string decoded;
    // Dots first, whatever else is wrong with the segment: the reason that matters.
    bool only_dots = !segment.empty();
    for (std::size_t i = 0; i < segment.size() && only_dots;) {
      if (segment[i] == '.') {
        ++i;
      } else if (segment.substr(i, 3) == "%2E" || segment.substr(i, 3) == "%2e") {
        i += 3;
      } else {
        only_dots = false;
      }
    }
    if (only_dots) return std::string("the path contains a '.' or '..' segment");
    if (auto why = escape_problem(segment, is_plain_in_path, false, decoded)) return why;
    if (!bottle::text::is_valid_utf8(decoded)) {
      return std::string("the path's encoded bytes are not well-formed UTF-8");
    }
    if (decoded.ends_with('.') || decoded.ends_with(' ')) {
      return std::string("a path segment ends in '.' or a space, which some servers drop");
    }
    if (last) return std::nullopt;
    start = end + 1;
  }
}

std::optional<std::string> query_problem(std::string_view query) {
  if (query.empty()) return std::string("a '?' with no query after it");
  std::string decoded;
  if (auto why = escape_problem(query, is_plain_in_query, true, decoded))
    return "the query: " + *why;
  return std::nullopt;
}

}  // namespace egress
