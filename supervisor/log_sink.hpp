#pragma once

#include <spdlog/logger.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/next_turn.hpp"
#include "bottle/uv/stream_writer.hpp"
#include "bottle/uv/timer.hpp"

namespace supervisor {

// Where every line goes: daemons' lines as "<name>: <text>" on the stream they
// were written to, the supervisor's own events on stderr, every byte through
// the terminal sanitiser.
//
// The supervisor never blocks on a slow reader (docker's log pipe, a stopped
// terminal), and no daemon can crowd out another:
//   - each daemon has its own queue per stream, holding at most its share of
//     the buffer (buffer_bytes / number of daemons); a line that does not fit
//     is dropped and counted against that daemon alone;
//   - queues are written in large batches, taking whole lines from every
//     daemon in turn, so a slow daemon's line goes out in the next batch
//     however hard a sibling floods;
//   - drops are reported per daemon within a second, also while the flood
//     goes on. The supervisor's own lines are never dropped: they are few and
//     say what happened to the daemons.
class LogSink {
 public:
  enum class Stream { out, err };

  LogSink(bottle::uv::Loop& loop, int out_fd, int err_fd, std::size_t buffer_bytes);

  // Registers a daemon before any of its output; returns its handle.
  std::size_t add_daemon(const std::string& name);
  // raw: one line (or piece of an over-long line) as the daemon wrote it.
  void daemon_line(Stream stream, std::size_t daemon, std::string_view raw, bool continued);
  void supervisor_line(std::string_view formatted_line);
  // The logger that drop notices are reported through.
  void set_logger(std::shared_ptr<spdlog::logger> logger) { logger_ = std::move(logger); }
  // Nothing queued or being written.
  bool drained() const;

 private:
  struct Dropped {
    std::size_t lines = 0;
    std::size_t bytes = 0;
  };
  struct Queue {
    std::string bytes;  // whole formatted lines; [head, size) not yet written
    std::size_t head = 0;
    Dropped dropped;
    std::size_t pending() const { return bytes.size() - head; }
  };
  struct Channel {
    explicit Channel(bottle::uv::Loop& loop, int fd) : writer(loop, fd) {}
    bottle::uv::StreamWriter writer;
    std::string own;             // the supervisor's lines: first in every batch
    std::vector<Queue> daemons;  // by daemon handle
    std::size_t next = 0;        // whose turn is first in the next batch
  };

  Channel& channel(Stream s) { return s == Stream::out ? out_ : err_; }
  std::size_t share() const;
  void schedule_flush();
  void flush(Channel& channel);
  void report_drops();
  void report_drops(Channel& channel, const char* stream_name);

  std::size_t buffer_bytes_;
  std::vector<std::string> names_;
  Channel out_;
  Channel err_;
  bottle::uv::NextTurn flush_;
  bottle::uv::Timer drop_report_;
  std::shared_ptr<spdlog::logger> logger_;
};

// A spdlog logger named `name` whose lines go through the sink.
std::shared_ptr<spdlog::logger> make_logger(const std::string& name, LogSink& sink);

}  // namespace supervisor
