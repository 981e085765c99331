#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/next_turn.hpp"

namespace host_tools {

// A command the dashboard runs without waiting for it (`docker exec ...
// sidecarctl status --json`, `docker logs --follow`): its stdout arrives line
// by line on the loop, and its end once, after the last line. stdin and
// stderr are /dev/null (nothing may write over the screen). A line longer
// than `max_line` is cut there (the rest of it dropped), so a child cannot
// make the dashboard hold more than that. Destroying it ends the child
// (SIGKILL: a status poll or a log follow has nothing to finish) and drops
// whatever it still sends; the child is still reaped.
class ChildCommand {
 public:
  using LineFn = std::function<void(std::string_view line)>;
  // exit_status is the child's exit code, or 128 + the signal that ended it,
  // or -1 when it could not be started.
  using EndFn = std::function<void(int exit_status)>;

  ChildCommand(bottle::uv::Loop& loop, const std::vector<std::string>& argv, LineFn on_line,
               EndFn on_end, std::size_t max_line = 64 * 1024);
  ~ChildCommand();
  ChildCommand(const ChildCommand&) = delete;
  ChildCommand& operator=(const ChildCommand&) = delete;

  bool running() const { return !exited_; }

 private:
  void on_data(std::string_view data);
  void maybe_end();

  bottle::uv::NextTurn failed_;  // reports a child that could not start
  // Not an OwnedHandle: libuv reaps a child only while its handle is open,
  // so the handle of a child still running when this object goes is left
  // open, the child killed, and closed (freed) by its exit callback; closed
  // at once, it left a zombie per poll timeout and per bottle switch.
  uv_process_t* process_ = new uv_process_t{};
  bool spawned_ = false;
  bottle::uv::OwnedHandle<uv_pipe_t> out_;
  LineFn on_line_;
  EndFn on_end_;
  std::size_t max_line_;
  std::string partial_;
  bool cutting_ = false;  // dropping the rest of an over-long line
  bool exited_ = false;
  bool eof_ = false;
  bool ended_ = false;
  int status_ = -1;
  // Cleared when this object goes: a line callback that destroys it stops
  // the loop over the rest of the data.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace host_tools
