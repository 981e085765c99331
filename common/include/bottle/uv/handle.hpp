#pragma once

#include <uv.h>

#include <stdexcept>
#include <string>

namespace bottle::uv {

// A libuv error turned into an exception that says which call failed.
class Error : public std::runtime_error {
 public:
  Error(const std::string& what, int code)
      : std::runtime_error(what + ": " + uv_strerror(code)), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

inline void check(int rc, const char* what) {
  if (rc < 0) throw Error(what, rc);
}

// Owns one heap-allocated uv handle. libuv closes handles asynchronously, so the
// memory must outlive the owner: it is freed in the close callback, never here.
template <class UvT>
class OwnedHandle {
 public:
  OwnedHandle() : handle_(new UvT{}) {}
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  ~OwnedHandle() { close(); }

  UvT* get() const { return handle_; }
  uv_handle_t* base() const { return reinterpret_cast<uv_handle_t*>(handle_); }

  // Call once the uv_*_init call succeeded; before that the handle is plain memory.
  void mark_initialized(void* owner) {
    initialized_ = true;
    base()->data = owner;
  }
  bool initialized() const { return initialized_; }

  void close() {
    if (handle_ == nullptr) return;
    if (initialized_) {
      base()->data = nullptr;  // callbacks still queued must not reach a dead owner
      if (!uv_is_closing(base())) {
        uv_close(base(), [](uv_handle_t* h) { delete reinterpret_cast<UvT*>(h); });
      }
    } else {
      delete handle_;
    }
    handle_ = nullptr;
  }

 private:
  UvT* handle_;
  bool initialized_ = false;
};

// The owner an uv callback belongs to, or nullptr once it has gone.
template <class Owner, class UvT>
Owner* owner_of(UvT* handle) {
  return static_cast<Owner*>(reinterpret_cast<uv_handle_t*>(handle)->data);
}

}  // namespace bottle::uv
