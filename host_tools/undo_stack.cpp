#include "undo_stack.hpp"

#include <exception>
#include <ostream>

namespace host_tools {

void UndoStack::push(std::string what, std::function<void()> undo) {
  steps_.push_back({std::move(what), std::move(undo)});
}

void UndoStack::unwind() noexcept {
  while (!steps_.empty()) {
    Step step = std::move(steps_.back());
    steps_.pop_back();
    try {
      step.undo();
    } catch (const std::exception& e) {
      report_ << "bottle: could not undo '" << step.what << "': " << e.what() << "\n";
    } catch (...) {
      report_ << "bottle: could not undo '" << step.what << "'\n";
    }
  }
}

}  // namespace host_tools
