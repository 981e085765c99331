#pragma once

#include <cstdint>
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
class StreamScanner {
 public:
  static constexpr std::size_t kWindow = 1 << 20;
  static constexpr std::size_t kOverlap = 16 << 10;

  StreamScanner(const Scanner& scanner, Source where);
  void feed(std::string_view bytes);
  // The end of the content; then findings() is complete.
  void finish();
  const std::vector<Finding>& findings() const { return findings_; }
  std::vector<Finding> take_findings() { return std::move(findings_); }
  // Bytes of text the rules ran over (decoded; overlaps counted once).
  std::uint64_t bytes_scanned() const { return bytes_scanned_; }
  ContentDecoder::Kind kind() const { return decoder_.kind(); }

 private:
  void scan_windows(bool final);

  const Scanner& scanner_;
  Source where_;
  ContentDecoder decoder_;
  std::string text_;               // decoded text not yet dropped: overlap + unscanned
  std::size_t scanned_ = 0;        // text_[0, scanned_) was scanned already
  std::uint64_t text_offset_ = 0;  // text_[0] in the whole decoded text
  std::uint64_t text_line_ = 1;    // the line text_[0] is on
  std::uint64_t bytes_scanned_ = 0;
  std::vector<Finding> findings_;
  std::set<std::pair<std::string, std::uint64_t>> reported_;  // rule, offset
};

}  // namespace bottle::secrets
