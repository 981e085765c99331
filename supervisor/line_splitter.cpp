#include "line_splitter.hpp"

namespace supervisor {

namespace {
constexpr char kHex[] = "0123456789abcdef";

void escape_byte(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t len;
  unsigned min_cp;
  unsigned cp;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1f;
    min_cp = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0f;
    min_cp = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07;
    min_cp = 0x10000;
  } else
    return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  if (cp < min_cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}
}  // namespace

std::string sanitize_line(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        escape_byte(out, c);
      else
        out += static_cast<char>(c);
      ++i;
    } else if (std::size_t len = utf8_sequence_length(raw, i)) {
      out.append(raw.substr(i, len));
      i += len;
    } else {
      escape_byte(out, c);
      ++i;
    }
  }
  return out;
}

void LineSplitter::emit(std::string_view raw) {
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  on_line_(sanitize_line(raw), continuing_);
}

void LineSplitter::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      std::size_t room = max_line_ - partial_.size();
      if (bytes.size() < room) {
        partial_.append(bytes);
        return;
      }
      partial_.append(bytes.substr(0, room));
      bytes.remove_prefix(room);
      emit(partial_);
      partial_.clear();
      continuing_ = true;
      continue;
    }
    std::string_view line = bytes.substr(0, nl);
    bytes.remove_prefix(nl + 1);
    if (partial_.size() + line.size() > max_line_) {
      // The rest of an over-long line: emit what we hold, then this piece.
      std::size_t room = max_line_ - partial_.size();
      partial_.append(line.substr(0, room));
      emit(partial_);
      partial_.clear();
      continuing_ = true;
      line.remove_prefix(room);
      while (line.size() > max_line_) {
        emit(line.substr(0, max_line_));
        line.remove_prefix(max_line_);
      }
      emit(line);
    } else if (partial_.empty()) {
      emit(line);
    } else {
      partial_.append(line);
      emit(partial_);
      partial_.clear();
    }
    continuing_ = false;
  }
}

void LineSplitter::finish() {
  if (!partial_.empty()) emit(partial_);
  partial_.clear();
  continuing_ = false;
}

}  // namespace supervisor
