#include "undo_stack.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

using namespace host_tools;

TEST(UndoStack, UndoesInReverseAndGoesOnPastAFailingStep) {
  std::vector<std::string> done;
  std::ostringstream report;
  {
    UndoStack undo(report);
    undo.push("networks", [&] { done.push_back("networks"); });
    undo.push("keys", [&] { throw std::runtime_error("disk gone"); });
    undo.push("compose", [&] { done.push_back("compose"); });
  }
  EXPECT_EQ(done, (std::vector<std::string>{"compose", "networks"}));
  EXPECT_EQ(report.str(), "bottle: could not undo 'keys': disk gone\n");
}

TEST(UndoStack, ReleasedStepsStay) {
  bool undone = false;
  std::ostringstream report;
  {
    UndoStack undo(report);
    undo.push("up", [&] { undone = true; });
    undo.release();
  }
  EXPECT_FALSE(undone);
}
