#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bottle/secrets/content_decoder.hpp"
#include "bottle/secrets/scanner.hpp"

namespace bottle::secrets {

// Scans content of any size as it arrives, never holding more than a window:
// the bytes are decoded (ContentDecoder) and scanned in windows of kWindow
// bytes ending at a line's end, each starting with up to kOverlap bytes of the
// one before, so a match spanning lines across a window's edge (a private key
// block) is still found, and reported once.
//
// With workers > 1 (at most Scanner::kLanes), up to that many windows are scanned at once, each on
// its own thread, while the next is decoded: a window's scan depends only on its bytes, so the
// findings are those of one thread, merged in window order. It then holds up to workers + 1
// windows. git-gate's hook, a process of its own, uses it for large content; a daemon on an event
// loop keeps the default.
class StreamScanner {
 public:
  static constexpr std::size_t kWindow = 1 << 20;
  static constexpr std::size_t kOverlap = 16 << 10;

  StreamScanner(const Scanner& scanner, Source where, std::size_t workers = 1);
  ~StreamScanner();
  StreamScanner(const StreamScanner&) = delete;
  StreamScanner& operator=(const StreamScanner&) = delete;
  void feed(std::string_view bytes);
  // The end of the content; then findings() is complete.
  void finish();
  const std::vector<Finding>& findings() const { return findings_; }
  std::vector<Finding> take_findings() { return std::move(findings_); }
  // Bytes of text the rules ran over (decoded; overlaps counted once).
  std::uint64_t bytes_scanned() const { return bytes_scanned_; }
  ContentDecoder::Kind kind() const { return decoder_.kind(); }

 private:
  // One window's findings (lines counted from the window's first) and the
  // newlines in the part of it the next window does not repeat.
  struct WindowResult {
    std::vector<Finding> findings;
    std::uint64_t offset;  // the window's first byte in the whole text
    std::uint64_t newlines_dropped;
  };
  static WindowResult scan_window(const Scanner& scanner, const Source& where,
                                  std::string_view window, const FragmentPosition& position,
                                  std::size_t keep_from, std::size_t lane);
  void scan_windows(bool final);
  // Adds a window's findings; windows are merged in order (no later window
  // reaches before a merged one's first byte).
  void merge(WindowResult window);
  void merge_oldest();  // of the windows in flight
  void drain();

  const Scanner& scanner_;
  Source where_;
  ContentDecoder decoder_;
  std::string text_;               // decoded text not yet dropped: overlap + unscanned
  std::size_t scanned_ = 0;        // text_[0, scanned_) was scanned already
  std::uint64_t text_offset_ = 0;  // text_[0] in the whole decoded text
  std::uint64_t first_line_ = 1;   // the line of the next window to merge's first byte
  std::uint64_t bytes_scanned_ = 0;
  std::vector<Finding> findings_;
  std::set<std::pair<std::string, std::uint64_t>> reported_;  // rule, offset
  std::size_t workers_;
  std::deque<std::future<WindowResult>> in_flight_;  // oldest first
  std::size_t windows_started_ = 0;
};

}  // namespace bottle::secrets
