#include "child_command.hpp"

#include <csignal>
#include <memory>

#include "bottle/uv/callback_guard.hpp"

namespace host_tools {

using bottle::uv::owner_of;

ChildCommand::ChildCommand(bottle::uv::Loop& loop, const std::vector<std::string>& argv,
                           LineFn on_line, EndFn on_end, std::size_t max_line)
    : failed_(loop), on_line_(std::move(on_line)), on_end_(std::move(on_end)), max_line_(max_line) {
  bottle::uv::check(uv_pipe_init(loop.get(), out_.get(), 0), "uv_pipe_init");
  out_.mark_initialized(this);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  uv_stdio_container_t stdio[3];
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(out_.get());
  stdio[2].flags = UV_IGNORE;
  uv_process_options_t options{};
  options.file = args[0];
  options.args = args.data();
  options.stdio_count = 3;
  options.stdio = stdio;
  options.exit_cb = [](uv_process_t* p, int64_t status, int signal) {
    auto* self = owner_of<ChildCommand>(p);
    if (self == nullptr) {
      // Its object has gone: the child is reaped now, and the handle freed.
      uv_close(reinterpret_cast<uv_handle_t*>(p),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_process_t*>(h); });
      return;
    }
    self->exited_ = true;
    self->status_ = signal != 0 ? 128 + signal : static_cast<int>(status);
    bottle::uv::guarded("child exit", [&] { self->maybe_end(); });
  };
  process_->data = this;
  if (uv_spawn(loop.get(), process_, &options) != 0) {
    // libuv has initialised the handle all the same: it must be closed
    // (by the destructor, as an exited child's).
    exited_ = true;
    eof_ = true;
    status_ = -1;
    // Reported from the loop, never from inside the constructor.
    failed_.schedule([this] { maybe_end(); });
    return;
  }
  spawned_ = true;
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(out_.get()),
      [](uv_handle_t*, size_t suggested, uv_buf_t* buf) {
        buf->base = new char[suggested];
        buf->len = suggested;
      },
      [](uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
        std::unique_ptr<char[]> owned(buf->base);
        auto* self = owner_of<ChildCommand>(stream);
        if (self == nullptr) return;
        bottle::uv::guarded("child output", [&] {
          if (n > 0) {
            self->on_data({buf->base, static_cast<std::size_t>(n)});
          } else if (n < 0) {
            uv_read_stop(stream);
            if (!self->partial_.empty()) {
              std::string last = std::move(self->partial_);
              self->partial_.clear();
              const auto alive = self->alive_;
              self->on_line_(last);
              if (!*alive) return;
            }
            self->eof_ = true;
            self->maybe_end();
          }
        });
      });
}

ChildCommand::~ChildCommand() {
  *alive_ = false;
  auto close = [](uv_handle_t* h) { delete reinterpret_cast<uv_process_t*>(h); };
  if (spawned_ && !exited_) {
    // Still running: killed, and reaped by the exit callback, which closes
    // the handle once it finds no owner.
    process_->data = nullptr;
    uv_process_kill(process_, SIGKILL);
    return;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(process_), close);
}

void ChildCommand::on_data(std::string_view data) {
  while (!data.empty()) {
    const std::size_t nl = data.find('\n');
    const std::string_view piece = data.substr(0, nl);
    if (!cutting_) {
      const std::size_t room = max_line_ - partial_.size();
      partial_.append(piece.substr(0, room));
      if (piece.size() > room) cutting_ = true;
    }
    if (nl == std::string_view::npos) return;
    std::string line = std::move(partial_);
    partial_.clear();
    cutting_ = false;
    const auto alive = alive_;
    on_line_(line);
    if (!*alive) return;  // the callback ended this command
    data.remove_prefix(nl + 1);
  }
}

void ChildCommand::maybe_end() {
  if (ended_ || !exited_ || !eof_) return;
  ended_ = true;
  auto fn = on_end_;
  fn(status_);  // may destroy this object
}

}  // namespace host_tools
