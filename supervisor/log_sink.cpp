#include "log_sink.hpp"

#include <spdlog/details/null_mutex.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

namespace supervisor {

LogSink::LogSink(bottle::uv::Loop& loop, int out_fd, int err_fd, std::size_t max_queued)
    : max_queued_(max_queued),
      out_{bottle::uv::StreamWriter(loop, out_fd), {}},
      err_{bottle::uv::StreamWriter(loop, err_fd), {}} {
  out_.writer.on_progress([this] { report_drops(out_, "stdout"); });
  err_.writer.on_progress([this] { report_drops(err_, "stderr"); });
}

void LogSink::daemon_line(Stream stream, const std::string& daemon, const std::string& text,
                          bool continued) {
  Channel& ch = stream == Stream::out ? out_ : err_;
  std::string line;
  line.reserve(daemon.size() + text.size() + 16);
  line += daemon;
  line += continued ? ": [continued] " : ": ";
  line += text;
  line += '\n';
  if (ch.writer.queued_bytes() + line.size() > max_queued_) {
    Dropped& d = ch.dropped[daemon];
    ++d.lines;
    d.bytes += line.size();
    return;
  }
  ch.writer.write(std::move(line));
}

void LogSink::supervisor_line(std::string formatted_line) {
  err_.writer.write(std::move(formatted_line));
}

bool LogSink::drained() const {
  return out_.writer.queued_bytes() == 0 && err_.writer.queued_bytes() == 0;
}

void LogSink::report_drops(Channel& channel, const char* stream_name) {
  // Report once the backlog is half gone, so the notice itself is not a drop.
  if (channel.dropped.empty() || channel.writer.queued_bytes() > max_queued_ / 2) return;
  auto dropped = std::move(channel.dropped);
  channel.dropped.clear();
  if (!logger_) return;
  for (const auto& [daemon, d] : dropped) {
    logger_->warn("dropped {} lines ({} bytes) of {}'s {}: the log reader was too slow", d.lines,
                  d.bytes, daemon, stream_name);
  }
}

namespace {
class SpdlogToSink : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit SpdlogToSink(LogSink& sink) : sink_(sink) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    sink_.supervisor_line(std::string(formatted.data(), formatted.size()));
  }
  void flush_() override {}

 private:
  LogSink& sink_;
};
}  // namespace

std::shared_ptr<spdlog::logger> make_logger(const std::string& name, LogSink& sink) {
  auto logger = std::make_shared<spdlog::logger>(name, std::make_shared<SpdlogToSink>(sink));
  logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      "%n: %Y-%m-%dT%H:%M:%S.%eZ %l: %v", spdlog::pattern_time_type::utc));
  return logger;
}

}  // namespace supervisor
