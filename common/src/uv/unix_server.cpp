#include "bottle/uv/unix_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "bottle/uv/callback_guard.hpp"

namespace bottle::uv {

UnixConnection::UnixConnection(Loop& loop) {
  check(uv_pipe_init(loop.get(), handle_.get(), 0), "uv_pipe_init");
  handle_.mark_initialized(this);
}

void UnixConnection::read(DataFn on_data, EndFn on_end) {
  on_data_ = std::move(on_data);
  on_end_ = std::move(on_end);
  auto alloc = [](uv_handle_t*, size_t, uv_buf_t* buf) {
    static thread_local char chunk[4096];
    *buf = uv_buf_init(chunk, sizeof chunk);
  };
  auto on_read = [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    auto* self = owner_of<UnixConnection>(s);
    if (self == nullptr) return;
    if (n > 0) {
      guarded("unix socket read",
              [&] { self->on_data_(std::string_view(buf->base, static_cast<size_t>(n))); });
    } else if (n < 0) {
      uv_read_stop(s);
      if (self->on_end_) guarded("unix socket end", self->on_end_);
    }
  };
  check(uv_read_start(reinterpret_cast<uv_stream_t*>(handle_.get()), alloc, on_read),
        "uv_read_start");
}

void UnixConnection::write_and_close(std::string bytes, std::function<void()> on_closed) {
  auto* stream = reinterpret_cast<uv_stream_t*>(handle_.get());
  uv_read_stop(stream);
  pending_ = std::move(bytes);
  on_closed_ = std::move(on_closed);
  auto* req = new uv_write_t{};
  uv_buf_t buf = uv_buf_init(pending_.data(), static_cast<unsigned>(pending_.size()));
  int rc = uv_write(req, stream, &buf, 1, [](uv_write_t* r, int) {
    auto* self = owner_of<UnixConnection>(r->handle);
    delete r;
    if (self != nullptr && self->on_closed_) {
      auto closed = std::move(self->on_closed_);
      guarded("unix socket write", closed);  // the owner destroys the connection here
    }
  });
  if (rc < 0) {
    delete req;
    auto closed = std::move(on_closed_);
    if (closed) guarded("unix socket write", closed);
  }
}

UnixServer::UnixServer(Loop& loop, const std::string& path, unsigned mode, AcceptFn on_accept)
    : loop_(loop), path_(path), on_accept_(std::move(on_accept)) {
  struct stat st {};
  // Only a leftover socket is removed: never delete a regular file someone pointed us at.
  if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
  check(uv_pipe_init(loop.get(), handle_.get(), 0), "uv_pipe_init");
  handle_.mark_initialized(this);
  // umask closes the window in which the socket would exist with a wider mode.
  mode_t old_mask = ::umask(static_cast<mode_t>(~mode & 0777));
  int rc = uv_pipe_bind(handle_.get(), path.c_str());
  ::umask(old_mask);
  check(rc, ("bind " + path).c_str());
  check(uv_listen(reinterpret_cast<uv_stream_t*>(handle_.get()), 16,
                  [](uv_stream_t* server, int status) {
                    auto* self = owner_of<UnixServer>(server);
                    if (self == nullptr || status < 0) return;
                    guarded("unix socket accept", [&] {
                      std::unique_ptr<UnixConnection> conn(new UnixConnection(self->loop_));
                      if (uv_accept(server, reinterpret_cast<uv_stream_t*>(conn->handle_.get())) ==
                          0) {
                        self->on_accept_(std::move(conn));
                      }
                    });
                  }),
        ("listen " + path).c_str());
}

UnixServer::~UnixServer() { ::unlink(path_.c_str()); }

}  // namespace bottle::uv
