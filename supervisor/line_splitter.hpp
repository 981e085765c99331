#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace supervisor {

// Cuts a daemon's byte stream into printable lines. Holds at most max_line
// bytes: a longer line is emitted in pieces, each piece after the first marked
// as a continuation. Invalid UTF-8 and control characters are escaped as \xNN,
// so a daemon (or a hostile agent whose input it logs) cannot inject terminal
// escapes or fake lines into the operator's log.
class LineSplitter {
 public:
  // text is sanitized; continued is true for the 2nd and later pieces of a long line.
  using LineFn = std::function<void(const std::string& text, bool continued)>;

  LineSplitter(std::size_t max_line, LineFn on_line)
      : max_line_(max_line), on_line_(std::move(on_line)) {}

  void feed(std::string_view bytes);
  void finish();  // end of stream: emits a last partial line, if any

 private:
  void emit(std::string_view raw);

  std::size_t max_line_;
  LineFn on_line_;
  std::string partial_;
  bool continuing_ = false;
};

// Valid UTF-8 stays as it is; every other byte, and control characters except
// tab, become \xNN.
std::string sanitize_line(std::string_view raw);

}  // namespace supervisor
