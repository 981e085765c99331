#include "bottle/uv/stream_writer.hpp"

#include <unistd.h>

#include <cerrno>

#include "bottle/uv/callback_guard.hpp"

namespace bottle::uv {

struct StreamWriter::WriteRequest {
  uv_write_t req{};
  std::string bytes;
  std::shared_ptr<StreamWriter*> writer;
};

StreamWriter::StreamWriter(Loop& loop, int fd)
    : fd_(fd), self_(std::make_shared<StreamWriter*>(this)) {
  switch (uv_guess_handle(fd)) {
    case UV_TTY: {
      auto tty = std::make_unique<OwnedHandle<uv_tty_t>>();
      check(uv_tty_init(loop.get(), tty->get(), fd, 0), "uv_tty_init");
      tty->mark_initialized(this);
      stream_ = std::move(tty);
      break;
    }
    case UV_NAMED_PIPE:
    case UV_TCP: {
      auto pipe = std::make_unique<OwnedHandle<uv_pipe_t>>();
      check(uv_pipe_init(loop.get(), pipe->get(), 0), "uv_pipe_init");
      pipe->mark_initialized(this);
      check(uv_pipe_open(pipe->get(), fd), "uv_pipe_open");
      stream_ = std::move(pipe);
      break;
    }
    default:
      break;  // regular file, /dev/null: direct writes
  }
}

StreamWriter::~StreamWriter() { *self_ = nullptr; }

void StreamWriter::write(std::string bytes) {
  uv_stream_t* stream = nullptr;
  if (auto* p = std::get_if<1>(&stream_)) stream = reinterpret_cast<uv_stream_t*>((*p)->get());
  if (auto* t = std::get_if<2>(&stream_)) stream = reinterpret_cast<uv_stream_t*>((*t)->get());
  if (stream == nullptr) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::write(fd_, bytes.data() + off, bytes.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // nowhere to report a broken log sink but itself
      off += static_cast<size_t>(n);
    }
    return;
  }
  auto* request = new WriteRequest{};
  request->bytes = std::move(bytes);
  request->writer = self_;
  queued_ += request->bytes.size();
  uv_buf_t buf = uv_buf_init(request->bytes.data(), static_cast<unsigned>(request->bytes.size()));
  int rc = uv_write(&request->req, stream, &buf, 1, [](uv_write_t* req, int) {
    std::unique_ptr<WriteRequest> done(reinterpret_cast<WriteRequest*>(req));
    StreamWriter* writer = *done->writer;
    if (writer == nullptr) return;
    writer->queued_ -= done->bytes.size();
    if (writer->on_progress_) guarded("log write", writer->on_progress_);
  });
  if (rc < 0) {
    queued_ -= request->bytes.size();
    delete request;
  }
}

}  // namespace bottle::uv
