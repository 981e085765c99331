#pragma once

#include <exception>
#include <functional>
#include <string>

namespace bottle::uv {

// A C++ exception must never unwind into libuv's C frames: that ends the
// process (std::terminate), and for the supervisor, PID 1, it ends the whole
// bundle. Every callback the wrappers here make into our code runs through
// guarded(): an exception is reported and the loop goes on. Code that can
// answer the peer (a control request, an HTTP request) catches first, closer
// to where it knows what to say; this is the last line.
using CallbackErrorReporter =
    std::function<void(const std::string& where, const std::string& what)>;

// Replaces where uncaught callback exceptions are reported (default: one
// escaped line on stderr). A daemon sets its own logger here.
void set_callback_error_reporter(CallbackErrorReporter reporter);
void report_callback_error(const char* where, const char* what) noexcept;

template <class F>
void guarded(const char* where, F&& fn) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    report_callback_error(where, e.what());
  } catch (...) {
    report_callback_error(where, "unknown exception");
  }
}

}  // namespace bottle::uv
