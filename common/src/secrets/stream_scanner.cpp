#include "bottle/secrets/stream_scanner.hpp"

#include <algorithm>

namespace bottle::secrets {

StreamScanner::StreamScanner(const Scanner& scanner, Source where)
    : scanner_(scanner), where_(std::move(where)) {
  findings_ = scanner_.scan_path(where_);
}

void StreamScanner::feed(std::string_view bytes) {
  // In pieces, so that what is held stays about a window whatever a caller hands over.
  constexpr std::size_t kPiece = 64 << 10;
  while (!bytes.empty()) {
    const std::size_t n = std::min(bytes.size(), kPiece);
    decoder_.feed(bytes.substr(0, n), text_);
    bytes.remove_prefix(n);
    scan_windows(false);
  }
}

void StreamScanner::finish() {
  decoder_.finish(text_);
  scan_windows(true);
}

void StreamScanner::scan_windows(bool final) {
  while (text_.size() - scanned_ >= kWindow || (final && text_.size() > scanned_)) {
    std::size_t end = text_.size();
    if (!final || end - scanned_ > kWindow) {
      // End at a line's end; a line longer than a window is cut (the overlap
      // still shows the next window what came just before the cut).
      const std::size_t limit = std::min(text_.size(), scanned_ + kWindow);
      const std::size_t nl = text_.rfind('\n', limit - 1);
      end = (nl != std::string::npos && nl >= scanned_) ? nl + 1 : limit;
    }
    FragmentPosition position{text_line_, text_offset_, scanned_};
    for (auto& f : scanner_.scan(std::string_view(text_).substr(0, end), where_, position)) {
      // A cut line can show a match twice (cut short, then whole): once is enough.
      if (reported_.emplace(f.rule_id, f.offset).second) findings_.push_back(std::move(f));
    }
    bytes_scanned_ += end - scanned_;
    // Keep the last kOverlap bytes, from a line's start where there is one.
    std::size_t keep_from = end > kOverlap ? end - kOverlap : 0;
    if (keep_from > 0) {
      const std::size_t nl = text_.find('\n', keep_from);
      if (nl != std::string::npos && nl + 1 < end) keep_from = nl + 1;
    }
    text_line_ += static_cast<std::uint64_t>(
        std::count(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(keep_from), '\n'));
    text_offset_ += keep_from;
    text_.erase(0, keep_from);
    scanned_ = end - keep_from;
    std::erase_if(reported_, [&](const auto& r) { return r.second < text_offset_; });
  }
}

}  // namespace bottle::secrets
