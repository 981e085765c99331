#include "bottle/http/body_inflater.hpp"

#include <algorithm>

namespace bottle::http {

namespace {
constexpr std::size_t kStep = 16 * 1024;
}

BodyInflater::~BodyInflater() {
  if (started_) inflateEnd(&stream_);
}

bool BodyInflater::start(unsigned char first, unsigned char second) {
  int window_bits = 15 + 16;  // gzip
  if (coding_ == Coding::kDeflate) {
    // A zlib header: compression method 8, and the two bytes a multiple of 31.
    const bool zlib_header = (first & 0x0f) == 8 && ((first << 8) | second) % 31 == 0;
    window_bits = zlib_header ? 15 : -15;
  }
  if (inflateInit2(&stream_, window_bits) != Z_OK) return false;
  started_ = true;
  return true;
}

std::optional<std::size_t> BodyInflater::inflate(std::string_view in, std::string& out,
                                                 std::size_t budget) {
  total_in_ += in.size();
  if (!started_) {
    if (in.empty()) return 0;
    if (coding_ == Coding::kDeflate && sniff_.size() + in.size() < 2) {
      sniff_.append(in);
      return in.size();
    }
    const std::string head = sniff_ + std::string(in.substr(0, 2));
    if (!start(static_cast<unsigned char>(head[0]), static_cast<unsigned char>(head[1]))) {
      return std::nullopt;
    }
    if (!sniff_.empty()) {
      const std::string first = std::move(sniff_);
      sniff_.clear();
      if (!run(first, out, first.size() + kStep)) return std::nullopt;
    }
  }
  return run(in, out, budget);
}

std::optional<std::size_t> BodyInflater::run(std::string_view in, std::string& out,
                                             std::size_t budget) {
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  stream_.avail_in = static_cast<uInt>(in.size());
  const std::size_t out_before = out.size();
  while ((stream_.avail_in > 0 || output_pending_) && out.size() - out_before < budget) {
    if (ended_) {
      // Another gzip member may follow (concatenated gzip files are one
      // file); after a deflate stream, nothing may.
      if (coding_ != Coding::kGzip || inflateReset(&stream_) != Z_OK) return std::nullopt;
      ended_ = false;
    }
    const std::size_t at = out.size();
    out.resize(at + kStep);
    stream_.next_out = reinterpret_cast<Bytef*>(out.data() + at);
    stream_.avail_out = static_cast<uInt>(kStep);
    const int rc = ::inflate(&stream_, Z_NO_FLUSH);
    out.resize(at + kStep - stream_.avail_out);
    // A full output buffer may mean zlib holds more output of what it read.
    output_pending_ = stream_.avail_out == 0;
    if (rc == Z_STREAM_END) {
      ended_ = true;
      output_pending_ = false;
      if (stream_.avail_in == 0) break;
      continue;
    }
    if (rc == Z_BUF_ERROR && stream_.avail_in == 0) {
      output_pending_ = false;  // nothing was held after all
      break;
    }
    if (rc != Z_OK) return std::nullopt;
  }
  return in.size() - stream_.avail_in;
}

}  // namespace bottle::http
