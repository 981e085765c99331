#pragma once

#include <zlib.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bottle::http {

// Decodes a response body sent with Content-Encoding gzip or deflate, piece
// by piece, so that the reflection guard can read it. zlib (Debian's, a
// package every Debian system has) does the work: the reference
// implementation of both formats, with their checksums checked, in a fixed
// 32 KiB window whatever the body's size. "deflate" is meant to be zlib
// data (RFC 9110), but some servers send raw deflate; which one it is shows
// in the first two bytes, as browsers decide it.
class BodyInflater {
 public:
  enum class Coding { kGzip, kDeflate };

  explicit BodyInflater(Coding coding) : coding_(coding) {}
  ~BodyInflater();
  BodyInflater(const BodyInflater&) = delete;
  BodyInflater& operator=(const BodyInflater&) = delete;

  // Decodes from `in`, appending to `out` and stopping once `out` has grown
  // by `budget` bytes or more. Returns how much of `in` it used (the rest is
  // to be offered again), or nothing when `in` is not valid data of the
  // coding: a corrupt stream, a bad checksum, bytes after the end.
  std::optional<std::size_t> inflate(std::string_view in, std::string& out, std::size_t budget);
  // Whether decoded output is still held back for lack of budget (call
  // inflate() again, with no new input if need be).
  bool output_pending() const { return output_pending_; }
  // Whether the coded stream ended properly (or nothing was ever offered).
  bool complete() const { return (ended_ || total_in_ == 0) && sniff_.empty() && !output_pending_; }

 private:
  bool start(unsigned char first, unsigned char second);
  std::optional<std::size_t> run(std::string_view in, std::string& out, std::size_t budget);

  Coding coding_;
  z_stream stream_{};
  bool started_ = false;
  bool ended_ = false;
  bool output_pending_ = false;
  std::string sniff_;  // deflate: the first byte, until the second tells zlib from raw
  std::size_t total_in_ = 0;
};

}  // namespace bottle::http
