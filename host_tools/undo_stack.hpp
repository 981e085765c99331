#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace host_tools {

// The steps `bottle start` has taken, undone in reverse when it fails, is
// interrupted, or the attached session ends. A step whose undo fails is
// reported and the rest are still undone: a half-torn-down bottle is worse
// than a message.
class UndoStack {
 public:
  explicit UndoStack(std::ostream& report) : report_(report) {}
  UndoStack(const UndoStack&) = delete;
  UndoStack& operator=(const UndoStack&) = delete;
  ~UndoStack() { unwind(); }

  void push(std::string what, std::function<void()> undo);
  // Keeps every step (the bottle stays up, detached).
  void release() { steps_.clear(); }
  void unwind() noexcept;

 private:
  struct Step {
    std::string what;
    std::function<void()> undo;
  };
  std::ostream& report_;
  std::vector<Step> steps_;
};

}  // namespace host_tools
