#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "bottle/unique_fd.hpp"
#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/next_turn.hpp"

namespace bottle::uv {

// Reads a pipe's bytes as they come until end of file (or a read error, treated alike).
class PipeReader {
 public:
  using DataFn = std::function<void(std::string_view)>;
  using EndFn = std::function<void()>;

  // max_bytes_per_turn > 0: once that much was read in one loop turn, reading
  // pauses until the next turn, so one flooding writer cannot starve the
  // loop's other sources (libuv alone reads a ready pipe up to 32 times).
  PipeReader(Loop& loop, UniqueFd fd, DataFn on_data, EndFn on_end,
             std::size_t max_bytes_per_turn = 0);
  PipeReader(const PipeReader&) = delete;
  PipeReader& operator=(const PipeReader&) = delete;

 private:
  void start_reading();

  OwnedHandle<uv_pipe_t> handle_;
  DataFn on_data_;
  EndFn on_end_;
  std::size_t max_bytes_per_turn_;
  std::size_t read_this_turn_ = 0;
  NextTurn resume_;
};

}  // namespace bottle::uv
