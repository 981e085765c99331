#pragma once

#include <functional>
#include <string_view>

#include "bottle/unique_fd.hpp"
#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"

namespace bottle::uv {

// Reads a pipe's bytes as they come until end of file (or a read error, treated alike).
class PipeReader {
 public:
  using DataFn = std::function<void(std::string_view)>;
  using EndFn = std::function<void()>;

  PipeReader(Loop& loop, UniqueFd fd, DataFn on_data, EndFn on_end);
  PipeReader(const PipeReader&) = delete;
  PipeReader& operator=(const PipeReader&) = delete;

 private:
  OwnedHandle<uv_pipe_t> handle_;
  DataFn on_data_;
  EndFn on_end_;
};

}  // namespace bottle::uv
