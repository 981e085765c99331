#include "cat_file_stream.hpp"

#include <charconv>
#include <stdexcept>

namespace git_gate {

namespace {

ObjectHeader parse_header(const std::string& line) {
  ObjectHeader h;
  const std::size_t a = line.find(' ');
  const std::size_t b = a == std::string::npos ? a : line.find(' ', a + 1);
  if (b == std::string::npos) {
    throw std::runtime_error("git cat-file: unexpected line '" + line.substr(0, 100) + "'");
  }
  std::size_t c = line.find(' ', b + 1);
  if (c == std::string::npos) c = line.size();
  h.id = line.substr(0, a);
  h.type = line.substr(a + 1, b - a - 1);
  const char* begin = line.data() + b + 1;
  if (std::from_chars(begin, line.data() + c, h.size).ptr != line.data() + c) {
    throw std::runtime_error("git cat-file: bad size in '" + line.substr(0, 100) + "'");
  }
  h.rest = c < line.size() ? line.substr(c + 1) : "";
  return h;
}

}  // namespace

void CatFileStream::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    if (in_object_) {
      if (left_ > 0) {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(left_, bytes.size()));
        callbacks_.content(bytes.substr(0, n));
        bytes.remove_prefix(n);
        left_ -= n;
        continue;
      }
      // The newline cat-file writes after each object's content.
      bytes.remove_prefix(1);
      in_object_ = false;
      callbacks_.end();
      continue;
    }
    const std::size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      header_.append(bytes);
      if (header_.size() > 64 * 1024) throw std::runtime_error("git cat-file: header too long");
      return;
    }
    header_.append(bytes.substr(0, nl));
    bytes.remove_prefix(nl + 1);
    const ObjectHeader h = parse_header(header_);
    header_.clear();
    if (h.type == "missing") throw std::runtime_error("git cat-file: object " + h.id + " missing");
    callbacks_.begin(h);
    in_object_ = true;
    left_ = h.size;
  }
}

}  // namespace git_gate
