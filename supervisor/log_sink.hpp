#pragma once

#include <spdlog/logger.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/stream_writer.hpp"

namespace supervisor {

// Where every line goes: daemons' lines as "<name>: <text>" on the stream they
// were written to, the supervisor's own events on stderr. The supervisor never
// blocks on a slow reader (docker's log pipe, a stopped terminal): each stream
// buffers at most max_queued bytes, and daemon lines that do not fit are dropped
// and counted. The count is reported, per daemon, once the reader catches up.
// The supervisor's own lines are never dropped: they are few and they say what
// happened to the daemons.
class LogSink {
 public:
  enum class Stream { out, err };

  LogSink(bottle::uv::Loop& loop, int out_fd, int err_fd, std::size_t max_queued);

  void daemon_line(Stream stream, const std::string& daemon, const std::string& text,
                   bool continued);
  void supervisor_line(std::string formatted_line);
  // The logger that drop notices are reported through.
  void set_logger(std::shared_ptr<spdlog::logger> logger) { logger_ = std::move(logger); }
  bool drained() const;

 private:
  struct Dropped {
    std::size_t lines = 0;
    std::size_t bytes = 0;
  };
  struct Channel {
    bottle::uv::StreamWriter writer;
    std::map<std::string, Dropped> dropped;
  };
  void report_drops(Channel& channel, const char* stream_name);

  std::size_t max_queued_;
  Channel out_;
  Channel err_;
  std::shared_ptr<spdlog::logger> logger_;
};

// A spdlog logger named `name` whose lines go through the sink.
std::shared_ptr<spdlog::logger> make_logger(const std::string& name, LogSink& sink);

}  // namespace supervisor
