#include "bottle/secrets/content_decoder.hpp"

#include <algorithm>
#include <cstdint>

namespace bottle::secrets {

namespace {

void append_utf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

constexpr char32_t kReplacement = 0xfffd;

bool printable(unsigned char c) { return (c >= 0x20 && c != 0x7f) || c == '\t'; }

std::uint32_t unit_of(std::string_view b, std::size_t width, bool little) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const auto byte = static_cast<unsigned char>(b[little ? width - 1 - i : i]);
    v = (v << 8) | byte;
  }
  return v;
}

}  // namespace

const char* ContentDecoder::name(Kind kind) {
  switch (kind) {
    case Kind::undecided:
      return "undecided";
    case Kind::text:
      return "text";
    case Kind::utf16le:
      return "UTF-16LE";
    case Kind::utf16be:
      return "UTF-16BE";
    case Kind::utf32le:
      return "UTF-32LE";
    case Kind::utf32be:
      return "UTF-32BE";
    case Kind::binary:
      return "binary";
  }
  return "?";
}

void ContentDecoder::decide(std::string_view s) {
  auto starts = [&](std::string_view bom) { return s.substr(0, bom.size()) == bom; };
  using namespace std::string_view_literals;
  // Longest marks first: the UTF-32LE mark begins with the UTF-16LE one.
  if (starts("\xff\xfe\x00\x00"sv)) {
    kind_ = Kind::utf32le;
  } else if (starts("\x00\x00\xfe\xff"sv)) {
    kind_ = Kind::utf32be;
  } else if (starts("\xff\xfe"sv)) {
    kind_ = Kind::utf16le;
  } else if (starts("\xfe\xff"sv)) {
    kind_ = Kind::utf16be;
  } else if (s.find('\0') == std::string_view::npos) {
    kind_ = Kind::text;
  } else {
    // No mark: text of mostly ASCII in UTF-16 or UTF-32 has zero high bytes
    // in a fixed place of every code unit, and non-zero low bytes.
    std::size_t zero_at[4] = {};
    for (std::size_t i = 0; i < s.size(); ++i) zero_at[i % 4] += s[i] == '\0';
    const double quarter = static_cast<double>(s.size()) / 4;
    auto mostly = [&](std::size_t n) { return static_cast<double>(n) >= 0.9 * quarter; };
    auto rarely = [&](std::size_t n) { return static_cast<double>(n) <= 0.05 * quarter; };
    if (rarely(zero_at[0]) && mostly(zero_at[2]) && mostly(zero_at[3]) && mostly(zero_at[1])) {
      kind_ = Kind::utf32le;
    } else if (mostly(zero_at[0]) && mostly(zero_at[1]) && mostly(zero_at[2]) &&
               rarely(zero_at[3])) {
      kind_ = Kind::utf32be;
    } else if (rarely(zero_at[0]) && rarely(zero_at[2]) && mostly(zero_at[1]) &&
               mostly(zero_at[3])) {
      kind_ = Kind::utf16le;
    } else if (mostly(zero_at[0]) && mostly(zero_at[2]) && rarely(zero_at[1]) &&
               rarely(zero_at[3])) {
      kind_ = Kind::utf16be;
    } else {
      kind_ = Kind::binary;
    }
  }
}

void ContentDecoder::feed(std::string_view bytes, std::string& out) {
  if (kind_ == Kind::undecided) {
    sniffed_.append(bytes);
    if (sniffed_.size() < kSniffBytes) return;
    decide(sniffed_);
    std::string held = std::move(sniffed_);
    sniffed_.clear();
    decode(held, out);
    return;
  }
  decode(bytes, out);
}

void ContentDecoder::finish(std::string& out) {
  if (kind_ == Kind::undecided) {
    decide(sniffed_);
    std::string held = std::move(sniffed_);
    sniffed_.clear();
    decode(held, out);
  }
  if (kind_ == Kind::binary && run_.size() >= kMinRun) out += run_ + '\n';
  run_.clear();
  // A lone high surrogate or a cut code unit at the end is not text.
  if (high_surrogate_ != 0 || !unit_.empty()) append_utf8(kReplacement, out);
  high_surrogate_ = 0;
  unit_.clear();
}

void ContentDecoder::decode(std::string_view bytes, std::string& out) {
  switch (kind_) {
    case Kind::undecided:
      return;
    case Kind::text:
      if (first_piece_ && bytes.substr(0, 3) == "\xef\xbb\xbf") bytes.remove_prefix(3);
      first_piece_ = false;
      out.append(bytes);
      return;
    case Kind::binary:
      for (unsigned char c : bytes) {
        if (printable(c)) {
          run_ += static_cast<char>(c);
          continue;
        }
        if (run_.size() >= kMinRun) out += run_ + '\n';
        run_.clear();
      }
      return;
    default:
      break;
  }
  const bool little = kind_ == Kind::utf16le || kind_ == Kind::utf32le;
  const std::size_t width = (kind_ == Kind::utf16le || kind_ == Kind::utf16be) ? 2 : 4;
  std::string carried;
  if (!unit_.empty()) {
    const std::size_t take = std::min(width - unit_.size(), bytes.size());
    carried = unit_ + std::string(bytes.substr(0, take));
    bytes.remove_prefix(take);
    unit_.clear();
    if (carried.size() < width) {
      unit_ = carried;
      return;
    }
  }
  out.reserve(out.size() + bytes.size() / width + 8);
  auto emit = [&](std::string_view b) {
    const std::uint32_t v = unit_of(b, width, little);
    if (first_piece_) {
      first_piece_ = false;
      if (v == 0xfeff) return;  // the byte order mark is not text
    }
    if (width == 4) {
      append_utf8(v <= 0x10ffff && (v < 0xd800 || v > 0xdfff) ? v : kReplacement, out);
      return;
    }
    if (v >= 0xd800 && v <= 0xdbff) {
      if (high_surrogate_ != 0) append_utf8(kReplacement, out);
      high_surrogate_ = static_cast<char16_t>(v);
      return;
    }
    if (v >= 0xdc00 && v <= 0xdfff) {
      if (high_surrogate_ == 0) {
        append_utf8(kReplacement, out);
        return;
      }
      append_utf8(
          0x10000 + ((static_cast<char32_t>(high_surrogate_) - 0xd800) << 10) + (v - 0xdc00), out);
      high_surrogate_ = 0;
      return;
    }
    if (high_surrogate_ != 0) append_utf8(kReplacement, out);
    high_surrogate_ = 0;
    append_utf8(v, out);
  };
  if (!carried.empty()) emit(carried);
  std::size_t i = 0;
  for (; i + width <= bytes.size(); i += width) emit(bytes.substr(i, width));
  unit_ = std::string(bytes.substr(i));
}

}  // namespace bottle::secrets
