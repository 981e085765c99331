#include "curses_screen.hpp"

#include <curses.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <clocale>
#include <cwchar>
#include <stdexcept>
#include <string>

#include "bottle/text/utf8.hpp"

namespace host_tools {

namespace {

// How many bytes of `text` fit in `columns`, and how many columns they
// take: wide characters (CJK, most emoji) take two, combining ones none, as
// the terminal draws them (wcwidth, in the UTF-8 locale the screen set). Cut
// by characters instead, a line of wide ones ran past the edge and ncurses
// wrapped it onto the next row, another entry's.
struct Fit {
  std::size_t bytes = 0;
  std::size_t columns = 0;
};
Fit fit_in_columns(std::string_view text, std::size_t columns) {
  Fit fit;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t n = bottle::text::utf8_sequence_length(text, i);
    int width = 1;
    if (n == 0) {
      n = 1;  // not UTF-8 (the sanitiser escapes such bytes): one column
    } else if (n > 1) {
      const char32_t cp = bottle::text::utf8_decode(text, i, n);
      width = ::wcwidth(static_cast<wchar_t>(cp));
      if (width < 0) width = 1;
    }
    if (fit.columns + static_cast<std::size_t>(width) > columns) break;
    fit.columns += static_cast<std::size_t>(width);
    i += n;
  }
  fit.bytes = i;
  return fit;
}

}  // namespace

CursesScreen::CursesScreen() {
  std::setlocale(LC_ALL, "");
  if (initscr() == nullptr) throw std::runtime_error("cannot start the terminal screen");
  cbreak();
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  // Esc is a key of its own here, not the start of a sequence to wait for.
  set_escdelay(25);
  nodelay(stdscr, TRUE);
  curs_set(0);
  if (has_colors()) {
    start_color();
    use_default_colors();
    init_pair(1, COLOR_RED, -1);
    init_pair(2, COLOR_GREEN, -1);
    colours_ = true;
  }
}

CursesScreen::~CursesScreen() { endwin(); }

int CursesScreen::rows() const { return LINES; }
int CursesScreen::cols() const { return COLS; }

void CursesScreen::put(int row, int col, std::string_view text, Style style) {
  if (row < 0 || row >= LINES || col < 0 || col >= COLS) return;
  // One column short of the right edge on the last row: ncurses would
  // scroll the screen for a character written in the bottom-right cell.
  const std::size_t room =
      static_cast<std::size_t>(COLS - col) - (row == LINES - 1 && COLS - col > 1 ? 1 : 0);
  const std::size_t bytes = fit_in_columns(text, room).bytes;
  attr_t attrs = A_NORMAL;
  short pair = 0;
  switch (style) {
    case Style::normal:
      break;
    case Style::bold:
      attrs = A_BOLD;
      break;
    case Style::selected:
      attrs = A_REVERSE;
      break;
    case Style::block:
      // Without colour, blocks still stand out.
      attrs = A_BOLD;
      pair = colours_ ? 1 : 0;
      break;
    case Style::allow:
      pair = colours_ ? 2 : 0;
      break;
    case Style::dim:
      attrs = A_DIM;
      break;
  }
  attr_set(attrs, pair, nullptr);
  mvaddnstr(row, col, text.data(), static_cast<int>(bytes));
  attr_set(A_NORMAL, 0, nullptr);
}

CursesScreen::Suspended::Suspended(CursesScreen&) {
  def_prog_mode();
  endwin();
}

CursesScreen::Suspended::~Suspended() {
  reset_prog_mode();
  refresh();
}

void CursesScreen::clear() { erase(); }
void CursesScreen::show() { refresh(); }
void CursesScreen::bell() { beep(); }

std::optional<int> CursesScreen::key() {
  const int k = getch();
  switch (k) {
    case ERR:
      return std::nullopt;
    case KEY_UP:
      return keys::up;
    case KEY_DOWN:
      return keys::down;
    case KEY_LEFT:
      return keys::left;
    case KEY_RIGHT:
      return keys::right;
    case KEY_PPAGE:
      return keys::page_up;
    case KEY_NPAGE:
      return keys::page_down;
    case KEY_ENTER:
    case '\n':
    case '\r':
      return keys::enter;
    case KEY_BACKSPACE:
    case 127:
    case 8:
      return keys::backspace;
    case 27:
      return keys::escape;
    case KEY_RESIZE:
      return keys::resize;
    default:
      return k >= 0 && k < 256 ? k : keys::other;
  }
}

void CursesScreen::discard_pending_keys() { flushinp(); }

void CursesScreen::resized() {
  struct winsize ws {};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
    resizeterm(ws.ws_row, ws.ws_col);
  }
}

}  // namespace host_tools
