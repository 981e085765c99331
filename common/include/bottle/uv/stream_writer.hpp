#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"

namespace bottle::uv {

// Writes to an inherited fd (stdout, stderr) without ever blocking the loop when
// it is a pipe or a terminal: bytes queue inside libuv until the reader takes them.
// Regular files and character devices cannot be polled; they are written directly,
// which does not block for long.
class StreamWriter {
 public:
  StreamWriter(Loop& loop, int fd);
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;
  ~StreamWriter();

  void write(std::string bytes);
  // Bytes handed to write() that the fd has not taken yet.
  std::size_t queued_bytes() const { return queued_; }
  // Called whenever a queued write completes.
  void on_progress(std::function<void()> fn) { on_progress_ = std::move(fn); }

 private:
  struct WriteRequest;
  int fd_;
  std::variant<std::monostate, std::unique_ptr<OwnedHandle<uv_pipe_t>>,
               std::unique_ptr<OwnedHandle<uv_tty_t>>>
      stream_;
  std::size_t queued_ = 0;
  std::function<void()> on_progress_;
  std::shared_ptr<StreamWriter*> self_;  // lets completions outlive a destroyed writer safely
};

}  // namespace bottle::uv
