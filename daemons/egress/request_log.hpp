#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

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

// The reflection guard's decision on one response that carried the route's
// token back: where it was found and in which forms, never the value.
struct RedactionRecord {
  std::string client;
  std::string route;
  std::string method;
  std::string host;
  std::string path;
  std::vector<std::string> found_in;  // "header X-Debug", "body"
  std::vector<std::string> forms;     // "raw", "base64", "hex (percent-encoded)", ...
  std::uint64_t replaced = 0;
};

class RequestLog {
 public:
  RequestLog(bottle::uv::Loop& loop, int fd) : out_(loop, fd) {}
  void record(const RequestRecord& r) { out_.write(format(r)); }
  void record(const RedactionRecord& r) { out_.write(format(r)); }
  // The JSON lines as written. What the agent or the upstream chose (the
  // method, path, notes quoting them, header names) is escaped for an
  // operator's terminal.
  static std::string format(const RequestRecord& r);
  static std::string format(const RedactionRecord& r);

 private:
  bottle::uv::StreamWriter out_;
};

}  // namespace egress
