#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "bottle/uv/stream_writer.hpp"

namespace egress {

// One line per request: who, which route, what (the path with query values
// hidden, since they can be secrets), the status the agent got, the body
// bytes each way, how long it took, and for refusals and failures why. No
// header value is ever part of it, so a token cannot be.
struct RequestRecord {
  std::string client;
  std::string route;  // host + path prefix of the route used, "" when none
  std::string method;
  std::string host;
  std::string path;
  int status = 0;
  std::uint64_t bytes_to_upstream = 0;
  std::uint64_t bytes_to_client = 0;
  std::chrono::steady_clock::duration duration{};
  std::string note;
};

class RequestLog {
 public:
  RequestLog(bottle::uv::Loop& loop, int fd) : out_(loop, fd) {}
  void record(const RequestRecord& r) { out_.write(format(r)); }
  // The JSON line as written.
  static std::string format(const RequestRecord& r);

 private:
  bottle::uv::StreamWriter out_;
};

}  // namespace egress
