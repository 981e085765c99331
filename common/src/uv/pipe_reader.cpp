#include "bottle/uv/pipe_reader.hpp"

#include "bottle/uv/callback_guard.hpp"

namespace bottle::uv {

namespace {
// One static buffer is enough: libuv is single-threaded and hands the bytes to
// on_data before it reads again.
constexpr size_t kReadChunk = 64 * 1024;
}  // namespace

PipeReader::PipeReader(Loop& loop, UniqueFd fd, DataFn on_data, EndFn on_end,
                       std::size_t max_bytes_per_turn)
    : on_data_(std::move(on_data)),
      on_end_(std::move(on_end)),
      max_bytes_per_turn_(max_bytes_per_turn),
      resume_(loop) {
  check(uv_pipe_init(loop.get(), handle_.get(), 0), "uv_pipe_init");
  handle_.mark_initialized(this);
  check(uv_pipe_open(handle_.get(), fd.get()), "uv_pipe_open");
  fd.release();  // the handle owns it now and closes it with itself
  start_reading();
}

void PipeReader::start_reading() {
  read_this_turn_ = 0;
  auto alloc = [](uv_handle_t*, size_t, uv_buf_t* buf) {
    static thread_local char chunk[kReadChunk];
    *buf = uv_buf_init(chunk, sizeof chunk);
  };
  auto read = [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* self = owner_of<PipeReader>(s);
    if (self == nullptr) return;
    if (n > 0) {
      self->read_this_turn_ += static_cast<size_t>(n);
      const bool pause =
          self->max_bytes_per_turn_ > 0 && self->read_this_turn_ >= self->max_bytes_per_turn_;
      if (pause) {
        uv_read_stop(s);
        self->resume_.schedule([self] { self->start_reading(); });
      }
      guarded("pipe read",
              [&] { self->on_data_(std::string_view(buf->base, static_cast<size_t>(n))); });
    } else if (n < 0) {
      uv_read_stop(s);
      auto end = std::move(self->on_end_);
      if (end) guarded("pipe end", end);  // may destroy this reader
    }
  };
  check(uv_read_start(reinterpret_cast<uv_stream_t*>(handle_.get()), alloc, read), "uv_read_start");
}

}  // namespace bottle::uv
