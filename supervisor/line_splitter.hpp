#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace supervisor {

// Cuts a daemon's byte stream into lines. A line longer than max_line is
// emitted in pieces of at most max_line bytes, cut between characters, each
// piece after the first marked as a continuation; so the splitter holds at
// most max_line (+3) bytes, whatever a daemon writes. Lines are handed on raw:
// the sink escapes them (bottle::text::escape_for_terminal).
class LineSplitter {
 public:
  // continued is true for the 2nd and later pieces of a long line.
  using LineFn = std::function<void(std::string_view raw, bool continued)>;

  LineSplitter(std::size_t max_line, LineFn on_line)
      : max_line_(max_line), on_line_(std::move(on_line)) {}

  void feed(std::string_view bytes);
  void finish();  // end of stream: emits a last partial line, if any

 private:
  void emit(std::string_view raw, bool line_end);

  std::size_t max_line_;
  LineFn on_line_;
  std::string partial_;
  bool continuing_ = false;
};

}  // namespace supervisor
