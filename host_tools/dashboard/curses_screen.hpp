#pragma once

#include <optional>
#include <string_view>

namespace host_tools {

// Keys as the dashboard reads them: a character (its byte), or one of these.
namespace keys {
constexpr int up = 0x110000;
constexpr int down = up + 1;
constexpr int left = up + 2;
constexpr int right = up + 3;
constexpr int page_up = up + 4;
constexpr int page_down = up + 5;
constexpr int enter = up + 6;
constexpr int backspace = up + 7;
constexpr int escape = up + 8;
constexpr int resize = up + 9;
constexpr int other = up + 10;  // a function key the dashboard has no use for
}  // namespace keys

// The terminal under ncurses, for as long as the object lives: the
// destructor gives the terminal back as it was (also when the dashboard ends
// by an exception). Text given to put() is shown as it is: callers pass text
// already escaped (bottle::text::escape_for_terminal), and put() cuts it to
// the screen's width on a character boundary.
class CursesScreen {
 public:
  enum class Style { normal, bold, selected, block, allow, dim };

  CursesScreen();
  ~CursesScreen();
  CursesScreen(const CursesScreen&) = delete;
  CursesScreen& operator=(const CursesScreen&) = delete;

  int rows() const;
  int cols() const;
  // Writes `text` at (row, col), no further than the right edge.
  void put(int row, int col, std::string_view text, Style style = Style::normal);
  void clear();
  void show();  // draws what changed
  void bell();
  // The next key (a byte, or one of keys::), or nothing when none is
  // waiting (never blocks).
  std::optional<int> key();
  // Drops the keys typed and not read yet.
  void discard_pending_keys();
  // After SIGWINCH: takes the terminal's new size.
  void resized();
  bool has_colours() const { return colours_; }

  // For as long as it lives, the terminal is the shell's again (an editor
  // runs); then the screen comes back as it was.
  class Suspended {
   public:
    explicit Suspended(CursesScreen& screen);
    ~Suspended();
    Suspended(const Suspended&) = delete;
    Suspended& operator=(const Suspended&) = delete;
  };

 private:
  bool colours_ = false;
};

}  // namespace host_tools
