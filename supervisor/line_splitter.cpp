#include "line_splitter.hpp"

#include "bottle/text/utf8.hpp"

namespace supervisor {

void LineSplitter::emit(std::string_view raw, bool line_end) {
  if (line_end && !raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  on_line_(raw, continuing_);
}

void LineSplitter::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    const bool line_ends = nl != std::string_view::npos;
    const std::string_view part = line_ends ? bytes.substr(0, nl) : bytes;
    bytes.remove_prefix(line_ends ? nl + 1 : bytes.size());
    if (line_ends && partial_.empty() && part.size() <= max_line_) {
      emit(part, true);  // the common case: a whole line, not copied
      continuing_ = false;
      continue;
    }
    partial_.append(part);
    // Mid-line, keep up to 3 bytes past a piece: the character the cut would
    // split may still be arriving.
    while (partial_.size() > max_line_ + (line_ends ? 0 : 3)) {
      std::size_t cut = bottle::text::utf8_cut_at_or_before(partial_, max_line_);
      if (cut == 0) cut = max_line_;
      emit(std::string_view(partial_).substr(0, cut), false);
      partial_.erase(0, cut);
      continuing_ = true;
    }
    if (line_ends) {
      emit(partial_, true);
      partial_.clear();
      continuing_ = false;
    }
  }
}

void LineSplitter::finish() {
  if (!partial_.empty()) emit(partial_, true);
  partial_.clear();
  continuing_ = false;
}

}  // namespace supervisor
