// The supervisor's control socket: one request line in, one JSON reply out,
// whatever the line holds (a Supervisor with no daemon, never started).
#include <fcntl.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "bottle/json/safe_json.hpp"
#include "bottle/uv/loop.hpp"
#include "control_server.hpp"
#include "fuzz_input.hpp"
#include "log_sink.hpp"
#include "supervisor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static bottle::uv::Loop loop;
  static const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  static supervisor::LogSink sink(loop, null_fd, null_fd, 1 << 16);
  static supervisor::Supervisor sup(
      loop, {}, sink,
      std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>()), {},
      [](int) {});
  const std::string reply =
      supervisor::ControlServer::handle_request(std::string(bottle_fuzz::text_of(data, size)), sup);
  // Always one line of JSON.
  if (reply.empty() || reply.back() != '\n') std::abort();
  const auto json = bottle::json::parse(reply.substr(0, reply.size() - 1));
  // And an answer to the request, not the last-resort reply of an exception
  // that escaped the request's handling (the boundary keeps PID 1 alive, but
  // an input that reaches it is a defect: one byte of invalid UTF-8 did).
  // Only that reply's error starts so; the others start with fixed text.
  const auto error = json.find("error");
  if (error != json.end() && error->is_string() &&
      error->get<std::string>().starts_with("internal error")) {
    std::abort();
  }
  return 0;
}
