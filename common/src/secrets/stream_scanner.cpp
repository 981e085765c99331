#include "bottle/secrets/stream_scanner.hpp"

#include <algorithm>

#include "bottle/text/count_lines.hpp"

namespace bottle::secrets {

StreamScanner::StreamScanner(const Scanner& scanner, Source where, std::size_t workers)
    : scanner_(scanner),
      where_(std::move(where)),
      workers_(std::clamp<std::size_t>(workers, 1, Scanner::kLanes)) {
  findings_ = scanner_.scan_path(where_);
}

// A scan still running holds a reference to scanner_ and its own copies of
// the rest; waiting for it here keeps that reference valid.
StreamScanner::~StreamScanner() {
  for (auto& w : in_flight_) {
    if (w.valid()) w.wait();
  }
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
  drain();
}

StreamScanner::WindowResult StreamScanner::scan_window(const Scanner& scanner, const Source& where,
                                                       std::string_view window,
                                                       const FragmentPosition& position,
                                                       std::size_t keep_from, std::size_t lane) {
  // Lines are counted from the window's first (1), made whole at the merge:
  // counting them here keeps that pass on the scanning thread.
  WindowResult r{scanner.scan(window, where, position, lane), position.offset, 0};
  r.newlines_dropped = bottle::text::count_newlines(window.substr(0, keep_from));
  return r;
}

void StreamScanner::merge(WindowResult window) {
  std::erase_if(reported_, [&](const auto& r) { return r.second < window.offset; });
  for (auto& f : window.findings) {
    if (f.line > 0) f.line += first_line_ - 1;
    // A cut line can show a match twice (cut short, then whole): once is enough.
    if (reported_.emplace(f.rule_id, f.offset).second) findings_.push_back(std::move(f));
  }
  first_line_ += window.newlines_dropped;
}

void StreamScanner::merge_oldest() {
  auto oldest = std::move(in_flight_.front());
  in_flight_.pop_front();
  merge(oldest.get());
}

void StreamScanner::drain() {
  while (!in_flight_.empty()) merge_oldest();
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
    // The next window starts with the last kOverlap bytes of this one, from
    // a line's start where there is one.
    std::size_t keep_from = end > kOverlap ? end - kOverlap : 0;
    if (keep_from > 0) {
      const std::size_t nl = text_.find('\n', keep_from);
      if (nl != std::string::npos && nl + 1 < end) keep_from = nl + 1;
    }
    const FragmentPosition position{1, text_offset_, scanned_};
    // At most workers_ windows in flight: the oldest is merged before the
    // next starts, so no two running scans share a lane.
    if (in_flight_.size() >= workers_) merge_oldest();
    const std::size_t lane = windows_started_++ % workers_;
    if (workers_ == 1 || (final && end == text_.size())) {
      // One worker, or the last window (this thread would only wait; a small
      // file's only window costs no thread): scanned here, merged in order.
      auto here = scan_window(scanner_, where_, std::string_view(text_).substr(0, end), position,
                              keep_from, lane);
      drain();
      merge(std::move(here));
    } else {
      in_flight_.push_back(std::async(
          std::launch::async,
          [&scanner = scanner_, where = where_, window = text_.substr(0, end), position, keep_from,
           lane] { return scan_window(scanner, where, window, position, keep_from, lane); }));
    }
    bytes_scanned_ += end - scanned_;
    text_offset_ += keep_from;
    text_.erase(0, keep_from);
    scanned_ = end - keep_from;
  }
}

}  // namespace bottle::secrets
