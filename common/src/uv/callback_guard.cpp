#include "bottle/uv/callback_guard.hpp"

#include <unistd.h>

#include "bottle/text/terminal_escape.hpp"

namespace bottle::uv {

namespace {
CallbackErrorReporter& reporter() {
  static CallbackErrorReporter r;
  return r;
}
}  // namespace

void set_callback_error_reporter(CallbackErrorReporter r) { reporter() = std::move(r); }

void report_callback_error(const char* where, const char* what) noexcept {
  try {
    if (reporter()) {
      reporter()(where, what);
      return;
    }
    const std::string line = "uncaught exception in " + std::string(where) + ": " +
                             text::escape_for_terminal(what) + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
  } catch (...) {
    // Nowhere left to report to; the loop must still go on.
  }
}

}  // namespace bottle::uv
