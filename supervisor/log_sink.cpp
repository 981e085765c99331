#include "log_sink.hpp"

#include <spdlog/details/null_mutex.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>

#include "bottle/text/terminal_escape.hpp"

namespace supervisor {

namespace {
// Big enough that a fast reader gets few large writes, small enough that a
// slow daemon's line waits behind at most this much of a sibling's flood.
constexpr std::size_t kBatchBytes = 64 * 1024;
// Each daemon's turn within a batch: whole lines up to this much.
constexpr std::size_t kSliceBytes = 16 * 1024;
constexpr std::uint64_t kDropReportMs = 1000;
}  // namespace

LogSink::LogSink(bottle::uv::Loop& loop, int out_fd, int err_fd, std::size_t buffer_bytes)
    : buffer_bytes_(buffer_bytes),
      out_(loop, out_fd),
      err_(loop, err_fd),
      flush_(loop),
      drop_report_(loop) {
  out_.writer.on_progress([this] { schedule_flush(); });
  err_.writer.on_progress([this] { schedule_flush(); });
}

std::size_t LogSink::add_daemon(const std::string& name) {
  names_.push_back(name);
  out_.daemons.emplace_back();
  err_.daemons.emplace_back();
  return names_.size() - 1;
}

std::size_t LogSink::share() const {
  return names_.empty() ? buffer_bytes_ : buffer_bytes_ / names_.size();
}

void LogSink::daemon_line(Stream stream, std::size_t daemon, std::string_view raw, bool continued) {
  Queue& q = channel(stream).daemons.at(daemon);
  const std::string& name = names_[daemon];
  if (q.pending() + name.size() + 16 + raw.size() > share()) {
    ++q.dropped.lines;
    q.dropped.bytes += raw.size() + 1;
    if (!drop_report_.active()) drop_report_.start(kDropReportMs, [this] { report_drops(); });
    return;
  }
  if (q.head > 0 && q.head >= q.bytes.size() / 2) {
    q.bytes.erase(0, q.head);
    q.head = 0;
  }
  q.bytes += name;
  q.bytes += continued ? ": [continued] " : ": ";
  bottle::text::append_escaped_for_terminal(q.bytes, raw);
  q.bytes += '\n';
  schedule_flush();
}

void LogSink::supervisor_line(std::string_view formatted_line) {
  // Messages quote what daemons and clients sent (a daemon name asked for on
  // the control socket, an exec error): they are escaped like daemon lines.
  if (!formatted_line.empty() && formatted_line.back() == '\n') formatted_line.remove_suffix(1);
  bottle::text::append_escaped_for_terminal(err_.own, formatted_line);
  err_.own += '\n';
  schedule_flush();
}

bool LogSink::drained() const {
  auto empty = [](const Channel& c) {
    if (c.writer.queued_bytes() != 0 || !c.own.empty()) return false;
    for (const auto& q : c.daemons) {
      if (q.pending() != 0) return false;
    }
    return true;
  };
  return empty(out_) && empty(err_);
}

void LogSink::schedule_flush() {
  if (!flush_.scheduled()) {
    flush_.schedule([this] {
      flush(out_);
      flush(err_);
    });
  }
}

void LogSink::flush(Channel& c) {
  // One batch in flight per stream: while it is written, lines gather for the
  // next one, so the batches grow exactly as large as the reader is slow.
  if (c.writer.queued_bytes() != 0) return;
  std::string batch = std::move(c.own);
  c.own.clear();
  const std::size_t n = c.daemons.size();
  bool took = true;
  while (batch.size() < kBatchBytes && took) {
    took = false;
    for (std::size_t k = 0; k < n && batch.size() < kBatchBytes; ++k) {
      Queue& q = c.daemons[(c.next + k) % n];
      if (q.pending() == 0) continue;
      // Whole lines only, up to the slice (a line longer than the slice goes alone).
      std::string_view rest(q.bytes.data() + q.head, q.pending());
      std::size_t take = rest.size();
      if (take > kSliceBytes) {
        const std::size_t nl = rest.rfind('\n', kSliceBytes - 1);
        take = nl == std::string_view::npos ? rest.find('\n') + 1 : nl + 1;
      }
      batch.append(rest.substr(0, take));
      q.head += take;
      if (q.head == q.bytes.size()) {
        q.bytes.clear();
        q.head = 0;
      }
      took = true;
    }
    c.next = (c.next + 1) % (n == 0 ? 1 : n);
  }
  if (!batch.empty()) c.writer.write(std::move(batch));
  // Direct writes (a regular file) complete at once: keep going next turn.
  if (c.writer.queued_bytes() == 0 && !drained()) schedule_flush();
}

void LogSink::report_drops() {
  report_drops(out_, "stdout");
  report_drops(err_, "stderr");
}

void LogSink::report_drops(Channel& c, const char* stream_name) {
  for (std::size_t i = 0; i < c.daemons.size(); ++i) {
    Dropped d = c.daemons[i].dropped;
    if (d.lines == 0) continue;
    c.daemons[i].dropped = {};
    if (logger_) {
      logger_->warn("dropped {} lines ({} bytes) of {}'s {}: the log reader was too slow", d.lines,
                    d.bytes, names_[i], stream_name);
    }
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
    sink_.supervisor_line(std::string_view(formatted.data(), formatted.size()));
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
