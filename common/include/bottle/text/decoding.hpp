#pragma once

#include <optional>
#include <string>
#include <string_view>

// The encodings a secret is commonly wrapped in once before it leaves: what
// a data-loss scan undoes before it matches. Each is strict about what it
// accepts, so that a scan does not read noise as data.
namespace bottle::text {

// "%41" becomes "A"; in a query value (form_encoding) '+' becomes a space
// too. A '%' not followed by two hex digits is kept as it is, as browsers
// and servers read it.
std::string percent_decode(std::string_view in, bool form_encoding = false);

// Base64 in either alphabet (standard "+/" or URL-safe "-_"; one text may not
// mix them), padding optional. Nothing when `in` is not base64 (a character
// outside the alphabet, a length no encoding has, padding other than at the
// end, or stray bits in the last character).
std::optional<std::string> base64_decode(std::string_view in);

// An even number of hex digits, either case; nothing otherwise.
std::optional<std::string> hex_decode(std::string_view in);

// Whether `bytes` reads as text (UTF-8 or ASCII, with at most 1 in 16 bytes a
// control character other than tab, CR and LF): decoded output that is not
// text is not a wrapped secret worth reading.
bool looks_like_text(std::string_view bytes);

}  // namespace bottle::text
