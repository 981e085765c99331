#include "dashboard_app.hpp"

#include <csignal>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bottle/text/terminal_escape.hpp"
#include "bottle/uv/callback_guard.hpp"
#include "bottle/uv/handle.hpp"
#include "bottle/uv/loop.hpp"
#include "bottle/uv/signal.hpp"
#include "bottle/uv/timer.hpp"
#include "bottle_paths.hpp"
#include "child_command.hpp"
#include "curses_screen.hpp"
#include "dashboard_data.hpp"
#include "decision_feed.hpp"
#include "live_change_commands.hpp"
#include "proposal_commands.hpp"

namespace host_tools {

namespace {

using Clock = std::chrono::system_clock;
using Style = CursesScreen::Style;

constexpr std::size_t kMaxStatusBytes = 1 << 20;
// A bottle that does not answer within this is marked stale (and asked again).
constexpr auto kPollTimeout = std::chrono::seconds(2);
constexpr std::size_t kAuditLines = 500;

std::string safe(std::string_view s) { return bottle::text::escape_for_terminal(s); }

std::string clock_time(Clock::time_point t) {
  const std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

// The last non-empty line of what a command printed (its result).
std::string last_line(const std::string& text) {
  std::string_view t = text;
  while (!t.empty() && t.back() == '\n') t.remove_suffix(1);
  const std::size_t nl = t.rfind('\n');
  return std::string(nl == std::string_view::npos ? t : t.substr(nl + 1));
}

class Dashboard {
 public:
  Dashboard(bottle::uv::Loop& loop, const DashboardOptions& options, const DockerCli& docker)
      : loop_(loop),
        options_(options),
        docker_(docker),
        tick_(loop),
        winch_(loop, SIGWINCH,
               [this] {
                 screen_.resized();
                 draw();
               }),
        interrupt_(loop, SIGINT, [this] { quit(); }),
        terminate_(loop, SIGTERM, [this] { quit(); }) {
    bottle::uv::check(uv_poll_init(loop.get(), stdin_.get(), 0), "uv_poll_init");
    stdin_.mark_initialized(this);
    uv_poll_start(stdin_.get(), UV_READABLE, [](uv_poll_t* h, int, int) {
      auto* self = bottle::uv::owner_of<Dashboard>(h);
      if (self == nullptr) return;
      bottle::uv::guarded("dashboard key", [&] { self->read_keys(); });
    });
    refresh();
    draw();
    schedule_tick();
  }

 private:
  enum class Pane { bottles, proposals, decisions, audit };
  enum class Mode { normal, detail, confirm, comment, help };

  struct Poll {
    std::unique_ptr<ChildCommand> child;
    std::string output;
    Clock::time_point started;
  };
  struct Status {
    std::vector<DaemonRow> daemons;
    std::string container;
    std::optional<Clock::time_point> answered_at;
    bool stale = false;
    std::string problem;
  };

  void schedule_tick() {
    tick_.start(static_cast<std::uint64_t>(options_.tick.count()), [this] {
      refresh();
      draw();
      schedule_tick();
    });
  }

  void quit() {
    quitting_ = true;
    tick_.stop();
    polls_.clear();
    health_polls_.clear();
    feed_child_.reset();
    stdin_.close();
    uv_stop(loop_.get());
  }

  // --- what is known -----------------------------------------------------

  void refresh() {
    bottles_ = load_bottles(options_.state_root);
    for (auto& b : bottles_) {
      const auto& s = statuses_[b.slug];
      b.daemons = s.daemons;
      b.container = s.container;
      b.answered_at = s.answered_at;
      b.stale = s.stale;
      if (s.stale) b.problem = s.problem;
    }
    std::size_t unreadable = 0;
    // The cursor stays on the proposal it was on, not on its row: a new
    // proposal sorts first, and must not slide under the operator's key.
    std::string selected_key;
    if (!proposals_.empty()) {
      const auto& p = proposals_[std::min(cursor_[Pane::proposals], proposals_.size() - 1)];
      selected_key = p.slug + "/" + p.proposal.id;
    }
    proposals_ = load_pending(options_.state_root, bottles_, unreadable);
    for (std::size_t i = 0; i < proposals_.size(); ++i) {
      if (proposals_[i].slug + "/" + proposals_[i].proposal.id == selected_key) {
        cursor_[Pane::proposals] = i;
      }
    }
    unreadable_proposals_ = unreadable;
    std::set<std::string> now_pending;
    std::vector<std::string> arrived;
    for (const auto& p : proposals_) {
      const std::string key = p.slug + "/" + p.proposal.id;
      now_pending.insert(key);
      if (first_refresh_done_ && !pending_seen_.count(key)) arrived.push_back(key);
    }
    pending_seen_ = std::move(now_pending);
    if (!arrived.empty()) {
      screen_.bell();
      notice_ = "new proposal " + safe(arrived.front()) +
                (arrived.size() > 1 ? " (+" + std::to_string(arrived.size() - 1) + " more)" : "");
    }
    first_refresh_done_ = true;
    clamp_cursors();
    poll_statuses();
    follow_selected();
    if (const auto* b = selected_bottle()) {
      audit_ = audit_tail(BottlePaths(options_.state_root, b->slug).audit_log(), kAuditLines);
    } else {
      audit_.clear();
    }
  }

  void poll_statuses() {
    const auto now = Clock::now();
    for (const auto& b : bottles_) {
      if (b.state != "running" || b.sidecars_container.empty()) continue;
      auto it = polls_.find(b.slug);
      if (it != polls_.end()) {
        if (now - it->second.started < kPollTimeout) continue;
        // No answer in time: the bottle is marked stale and asked again.
        mark_stale(b.slug, "no answer in " + std::to_string(kPollTimeout.count()) + "s");
        polls_.erase(it);
      }
      const std::string slug = b.slug;
      poll_health(slug, b.sidecars_container);
      Poll& poll = polls_[slug];
      poll.started = now;
      poll.child = std::make_unique<ChildCommand>(
          loop_,
          std::vector<std::string>{"docker", "exec", b.sidecars_container, "sidecarctl", "status",
                                   "--json"},
          [this, slug](std::string_view line) {
            auto p = polls_.find(slug);
            if (p == polls_.end() || p->second.output.size() + line.size() > kMaxStatusBytes) {
              return;
            }
            p->second.output.append(line).push_back('\n');
          },
          [this, slug](int exit_status) { poll_ended(slug, exit_status); });
    }
  }

  // Docker's own view of the bundle: its state and its health check's verdict.
  void poll_health(const std::string& slug, const std::string& container) {
    if (health_polls_.count(slug)) return;  // one at a time; the status poll's timeout covers it
    auto output = std::make_shared<std::string>();
    health_polls_[slug] = std::make_unique<ChildCommand>(
        loop_,
        std::vector<std::string>{
            "docker", "container", "inspect", "--format",
            "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}}",
            container},
        [output](std::string_view line) {
          if (output->size() < 256) output->append(line);
        },
        [this, slug, output](int exit_status) {
          auto it = health_polls_.find(slug);
          if (it == health_polls_.end()) return;
          done_polls_.push_back(std::move(it->second));
          health_polls_.erase(it);
          statuses_[slug].container = exit_status == 0 ? safe(*output) : std::string("not found");
          for (auto& b : bottles_) {
            if (b.slug == slug) b.container = statuses_[slug].container;
          }
        });
  }

  void poll_ended(const std::string& slug, int exit_status) {
    auto it = polls_.find(slug);
    if (it == polls_.end()) return;
    const std::string output = std::move(it->second.output);
    // The child object is in its own callback: destroyed on the next tick.
    done_polls_.push_back(std::move(it->second.child));
    polls_.erase(it);
    auto rows = exit_status == 0 ? read_status(output) : std::nullopt;
    if (!rows) {
      mark_stale(slug, exit_status == 0 ? "the status answer could not be read"
                                        : "docker exec exited " + std::to_string(exit_status));
      return;
    }
    Status& s = statuses_[slug];
    s.daemons = std::move(*rows);
    s.answered_at = Clock::now();
    s.stale = false;
    s.problem.clear();
    for (auto& b : bottles_) {
      if (b.slug == slug) {
        b.daemons = s.daemons;
        b.answered_at = s.answered_at;
        b.stale = false;
      }
    }
    draw();
  }

  void mark_stale(const std::string& slug, const std::string& why) {
    Status& s = statuses_[slug];
    s.stale = true;
    s.problem = safe(why);
    for (auto& b : bottles_) {
      if (b.slug == slug) {
        b.stale = true;
        b.problem = s.problem;
      }
    }
  }

  // The selected bottle's decision feed: `docker logs --follow`, started
  // again when it ends while the bottle runs.
  void follow_selected() {
    done_polls_.clear();
    const BottleRow* b = selected_bottle();
    const std::string slug = b ? b->slug : "";
    if (slug != feed_slug_) {
      feed_child_.reset();
      feed_.clear();
      feed_slug_ = slug;
    }
    if (!b || b->state != "running" || b->sidecars_container.empty()) return;
    if (feed_child_ && feed_child_->running()) return;
    if (feed_child_ && !feed_ended_) return;
    feed_child_.reset();
    feed_.clear();
    feed_ended_ = false;
    feed_child_ = std::make_unique<ChildCommand>(
        loop_,
        std::vector<std::string>{"docker", "logs", "--follow", "--timestamps", "--tail", "1000",
                                 b->sidecars_container},
        [this](std::string_view line) {
          feed_.add(line);
          feed_dirty_ = true;
          if (!draw_scheduled_) {
            // A burst of lines is drawn once, at the end of this loop turn's reads.
            draw_scheduled_ = true;
            redraw_.start(50, [this] {
              draw_scheduled_ = false;
              draw();
            });
          }
        },
        [this](int) { feed_ended_ = true; });
  }

  // --- selection ---------------------------------------------------------

  const BottleRow* selected_bottle() const {
    if (bottles_.empty()) return nullptr;
    return &bottles_[std::min(cursor_.at(Pane::bottles), bottles_.size() - 1)];
  }

  std::vector<const FeedEntry*> shown_feed() const {
    std::vector<const FeedEntry*> out;
    const auto& entries = feed_.entries();
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if (blocks_only_ && it->kind != FeedEntry::Kind::block) continue;
      out.push_back(&*it);
    }
    return out;
  }

  std::size_t pane_size(Pane p) const {
    switch (p) {
      case Pane::bottles:
        return bottles_.size();
      case Pane::proposals:
        return proposals_.size();
      case Pane::decisions:
        return shown_feed().size();
      case Pane::audit:
        return audit_.size();
    }
    return 0;
  }

  void clamp_cursors() {
    for (Pane p : {Pane::bottles, Pane::proposals, Pane::decisions, Pane::audit}) {
      const std::size_t n = pane_size(p);
      if (n == 0) {
        cursor_[p] = 0;
      } else if (cursor_[p] >= n) {
        cursor_[p] = n - 1;
      }
    }
    if (!detail_key_.empty() && !selected_proposal()) {
      // Decided elsewhere (or unreadable now): the detail view closes, and
      // nothing is left pointing at it.
      detail_key_.clear();
      if (mode_ == Mode::detail) mode_ = Mode::normal;
      if (confirm_return_ == Mode::detail) confirm_return_ = Mode::normal;
      if (comment_return_ == Mode::detail) comment_return_ = Mode::normal;
    }
  }

  const ProposalRow* selected_proposal() const {
    if (proposals_.empty()) return nullptr;
    const std::size_t i = std::min(cursor_.at(Pane::proposals), proposals_.size() - 1);
    if (!detail_key_.empty()) {
      // The detail view stays on its proposal while the list moves under it.
      for (const auto& p : proposals_) {
        if (p.slug + "/" + p.proposal.id == detail_key_) return &p;
      }
      return nullptr;
    }
    return &proposals_[i];
  }

  // --- keys --------------------------------------------------------------

  void read_keys() {
    while (auto k = screen_.key()) {
      if (*k == keys::resize) {
        draw();
        continue;
      }
      on_key(*k);
      if (quitting_) return;
      if (acted_) {
        // Keys typed ahead of an action's result were typed at a screen
        // that is gone: dropped, not applied to what the action changed.
        acted_ = false;
        screen_.discard_pending_keys();
        break;
      }
    }
    draw();
  }

  void on_key(int k) {
    switch (mode_) {
      case Mode::help:
        mode_ = Mode::normal;
        return;
      case Mode::confirm:
        if (k == 'y' || k == 'Y') {
          auto action = std::move(confirm_action_);
          mode_ = confirm_return_;
          action();
        } else {
          mode_ = confirm_return_;
          notice_ = "cancelled";
        }
        return;
      case Mode::comment:
        comment_key(k);
        return;
      case Mode::detail:
        if (k == keys::escape || k == 'q' || k == keys::backspace || k == 'h' || k == keys::left) {
          mode_ = Mode::normal;
          detail_key_.clear();
          return;
        }
        if (k == 'a' || k == 'r' || k == 'e') proposal_action(k);
        return;
      case Mode::normal:
        break;
    }
    switch (k) {
      case 'q':
        quit();
        return;
      case '?':
        mode_ = Mode::help;
        return;
      case '1':
        pane_ = Pane::bottles;
        return;
      case '2':
        pane_ = Pane::proposals;
        return;
      case '3':
        pane_ = Pane::decisions;
        return;
      case '4':
        pane_ = Pane::audit;
        return;
      case '\t':
        pane_ = static_cast<Pane>((static_cast<int>(pane_) + 1) % 4);
        return;
      case 'j':
      case keys::down:
        move(1);
        return;
      case 'k':
      case keys::up:
        move(-1);
        return;
      case keys::page_down:
        move(10);
        return;
      case keys::page_up:
        move(-10);
        return;
      default:
        break;
    }
    if (pane_ == Pane::proposals && !proposals_.empty()) {
      if (k == keys::enter || k == 'l' || k == keys::right) {
        const auto* p = selected_proposal();
        if (p == nullptr) return;
        detail_key_ = p->slug + "/" + p->proposal.id;
        mode_ = Mode::detail;
        return;
      }
      if (k == 'a' || k == 'r' || k == 'e') proposal_action(k);
      return;
    }
    if (pane_ == Pane::decisions) {
      if (k == 'b') {
        blocks_only_ = !blocks_only_;
        cursor_[Pane::decisions] = 0;
        return;
      }
      if (k == 'A') allow_selected_host();
      return;
    }
    if (pane_ == Pane::bottles) {
      // The selected bottle is the one whose decisions and audit are shown.
      refresh_selection();
    }
  }

  void move(long by) {
    const std::size_t n = pane_size(pane_);
    if (n == 0) return;
    long c = static_cast<long>(cursor_[pane_]) + by;
    c = std::max(0L, std::min(c, static_cast<long>(n) - 1));
    cursor_[pane_] = static_cast<std::size_t>(c);
    if (pane_ == Pane::bottles) refresh_selection();
  }

  void refresh_selection() {
    follow_selected();
    if (const auto* b = selected_bottle()) {
      audit_ = audit_tail(BottlePaths(options_.state_root, b->slug).audit_log(), kAuditLines);
    }
  }

  bool refuse_read_only(const std::string& what) {
    if (!options_.read_only) return false;
    notice_ = "read-only: " + what + " is not possible here (started with --read-only)";
    return true;
  }

  void confirm(const std::string& prompt, std::function<void()> action) {
    confirm_return_ = mode_;
    mode_ = Mode::confirm;
    prompt_ = prompt;
    confirm_action_ = std::move(action);
  }

  void proposal_action(int k) {
    const ProposalRow* row = selected_proposal();
    if (!row) return;
    const std::string slug = row->slug;
    const std::string id = row->proposal.id;
    if (k == 'a') {
      if (refuse_read_only("approving")) return;
      // The proposal as shown now: approving checks the file still says it.
      const auto lines = row->proposal.summary();
      std::string what = lines.empty() ? "" : lines.front();
      if (lines.size() > 1) what += " (+" + std::to_string(lines.size() - 1) + ")";
      // The question first: a long id and host must not push it off the line.
      confirm("y/n? approve " + safe(id) + " of " + safe(slug) + ": " + safe(what),
              [this, slug, id, shown = row->proposal] { approve(slug, id, shown); });
    } else if (k == 'e') {
      if (refuse_read_only("editing")) return;
      edit_then_approve(*row);
    } else {
      if (refuse_read_only("rejecting")) return;
      comment_return_ = mode_;
      mode_ = Mode::comment;
      comment_.clear();
      comment_target_ = {slug, id};
      prompt_ = "reject " + safe(id) + " of " + safe(slug) + ", comment for the agent: ";
    }
  }

  void comment_key(int k) {
    if (k == keys::escape) {
      mode_ = comment_return_;
      notice_ = "cancelled";
      return;
    }
    if (k == keys::enter) {
      if (comment_.empty()) {
        notice_ = "a rejection needs a comment (Esc cancels)";
        return;
      }
      mode_ = comment_return_;
      reject(comment_target_.first, comment_target_.second, comment_);
      return;
    }
    if (k == keys::backspace) {
      // Drop the last character, whole (UTF-8).
      while (!comment_.empty()) {
        const unsigned char c = static_cast<unsigned char>(comment_.back());
        comment_.pop_back();
        if ((c & 0xc0) != 0x80) break;
      }
      return;
    }
    if (k >= 32 && k < 256 && comment_.size() < 1000) {
      comment_.push_back(static_cast<char>(k));
    }
  }

  // As `bottle proposals approve --edit`: the change in $EDITOR, read back by
  // the proposal rules, then approved (after y) with the file keeping both.
  void edit_then_approve(const ProposalRow& row) {
    const std::string slug = row.slug;
    const std::string id = row.proposal.id;
    const std::string shown_before = bottle::proposals::to_json(row.proposal).dump();
    EditedProposal result;
    try {
      CursesScreen::Suspended editing(screen_);
      result = edit_proposed_change(BottlePaths(options_.state_root, slug), id);
    } catch (const std::exception& e) {
      notice_ = "refused: " + safe(e.what());
      return;
    }
    // The editor showed the file as it was then: if that is not what the
    // screen showed, the operator looks again first.
    if (bottle::proposals::to_json(result.shown).dump() != shown_before) {
      notice_ =
          "refused: proposal " + safe(id) + " changed since it was shown; nothing was changed";
      return;
    }
    const bottle::proposals::Proposal shown = result.shown;
    const auto& edited = result.edited;
    if (!edited) {
      notice_ = "the edit changed nothing; a approves the proposal as it is";
      return;
    }
    const auto lines = bottle::proposals::summary_of(*edited);
    std::string what = lines.empty() ? "" : lines.front();
    if (lines.size() > 1) what += " (+" + std::to_string(lines.size() - 1) + ")";
    confirm("y/n? approve " + safe(id) + " with your edit: " + safe(what),
            [this, slug, id, shown, change = *edited] {
              run_action([&](std::ostream& out) {
                proposals_approve(BottlePaths(options_.state_root, slug), id, "", docker_, out,
                                  &shown, &change);
              });
              leave_detail();
            });
  }

  // The same code as `bottle proposals approve`: the same checks, the same
  // audit line and the same signal.
  void approve(const std::string& slug, const std::string& id,
               const bottle::proposals::Proposal& shown) {
    run_action([&](std::ostream& out) {
      proposals_approve(BottlePaths(options_.state_root, slug), id, "", docker_, out, &shown);
    });
    leave_detail();
  }

  void reject(const std::string& slug, const std::string& id, const std::string& comment) {
    run_action([&](std::ostream& out) {
      proposals_reject(BottlePaths(options_.state_root, slug), id, comment, out);
    });
    leave_detail();
  }

  void allow_selected_host() {
    const auto feed = shown_feed();
    if (feed.empty()) return;
    const FeedEntry& e = *feed[std::min(cursor_[Pane::decisions], feed.size() - 1)];
    if (e.kind != FeedEntry::Kind::block || e.daemon != "pipelock" || e.host.empty()) {
      notice_ = "select a host pipelock blocked to allow it";
      return;
    }
    if (refuse_read_only("allowing a host")) return;
    const BottleRow* b = selected_bottle();
    if (!b) return;
    const std::string slug = b->slug;
    const std::string host = e.host;
    // As `bottle pipelock add`: the host is checked there like any typed one.
    confirm("y/n? add " + safe(host) + " to the allowlist of " + safe(slug), [this, slug, host] {
      run_action([&](std::ostream& out) {
        pipelock_add(BottlePaths(options_.state_root, slug), {host}, docker_, out);
      });
    });
  }

  void run_action(const std::function<void(std::ostream&)>& action) {
    acted_ = true;
    std::ostringstream out;
    try {
      action(out);
      notice_ = safe(last_line(out.str()));
    } catch (const std::exception& e) {
      notice_ = "refused: " + safe(e.what());
    }
    refresh();
  }

  void leave_detail() {
    if (mode_ == Mode::detail) mode_ = Mode::normal;
    detail_key_.clear();
  }

  // --- drawing -----------------------------------------------------------

  void draw() {
    if (quitting_) return;
    screen_.clear();
    const int rows = screen_.rows();
    const int cols = screen_.cols();
    std::string title = "bottle dashboard | " + std::to_string(bottles_.size()) + " bottles | " +
                        std::to_string(proposals_.size()) + " pending proposals";
    if (unreadable_proposals_ > 0) {
      title += " (" + std::to_string(unreadable_proposals_) + " unreadable)";
    }
    if (options_.read_only) title += " | read-only";
    title += " | ? keys";
    screen_.put(0, 0, title, Style::bold);
    int col = 0;
    const char* names[] = {"1 Bottles", "2 Proposals", "3 Decisions", "4 Audit"};
    for (int i = 0; i < 4; ++i) {
      const std::string tab = std::string(" ") + names[i] + " ";
      screen_.put(1, col, tab, static_cast<int>(pane_) == i ? Style::selected : Style::normal);
      col += static_cast<int>(tab.size()) + 1;
    }
    const int top = 2;
    const int height = std::max(0, rows - 4);
    if (mode_ == Mode::help) {
      draw_help(top, height);
    } else if (mode_ == Mode::detail ||
               (mode_ != Mode::normal && pane_ == Pane::proposals && !detail_key_.empty())) {
      draw_detail(top, height);
    } else {
      switch (pane_) {
        case Pane::bottles:
          draw_bottles(top, height);
          break;
        case Pane::proposals:
          draw_proposals(top, height);
          break;
        case Pane::decisions:
          draw_decisions(top, height);
          break;
        case Pane::audit:
          draw_audit(top, height);
          break;
      }
    }
    screen_.put(rows - 2, 0, notice_, Style::bold);
    if (mode_ == Mode::confirm) {
      screen_.put(rows - 1, 0, prompt_, Style::selected);
    } else if (mode_ == Mode::comment) {
      const std::string shown = prompt_ + safe(comment_);
      // The end of what is typed stays in view.
      const std::size_t width = static_cast<std::size_t>(std::max(cols - 1, 1));
      screen_.put(rows - 1, 0, shown.size() > width ? shown.substr(shown.size() - width) : shown,
                  Style::selected);
    } else {
      screen_.put(rows - 1, 0, key_hints(), Style::dim);
    }
    screen_.show();
  }

  std::string key_hints() const {
    if (mode_ == Mode::detail) return "a approve  e edit, then approve  r reject  Esc back";
    switch (pane_) {
      case Pane::proposals:
        return "Enter details  a approve  e edit  r reject  1-4 panes  q quit";
      case Pane::decisions:
        return std::string("b ") + (blocks_only_ ? "all" : "blocks only") +
               "  A allow host  1-4 panes  q quit";
      default:
        return "j/k move  1-4 panes  ? keys  q quit";
    }
  }

  // Rows of a list with the cursor kept in view.
  template <class Fn>
  void draw_list(int top, int height, std::size_t count, std::size_t cursor, Fn line) {
    if (height <= 0) return;
    const std::size_t h = static_cast<std::size_t>(height);
    const std::size_t first = cursor >= h ? cursor - h + 1 : 0;
    for (std::size_t i = first; i < count && i < first + h; ++i) {
      line(top + static_cast<int>(i - first), i, i == cursor);
    }
  }

  void draw_bottles(int top, int height) {
    if (bottles_.empty()) {
      screen_.put(top, 0, "no bottles under " + safe(options_.state_root.string()));
      return;
    }
    // Each bottle is a line, then one per daemon; the cursor moves by bottle.
    struct Line {
      std::string text;
      Style style;
      std::size_t bottle;
    };
    std::vector<Line> lines;
    for (std::size_t i = 0; i < bottles_.size(); ++i) {
      const auto& b = bottles_[i];
      // What needs the operator's eye first: a bottle that does not answer.
      std::string text = safe(b.slug) + "  " + safe(b.state);
      if (b.stale) {
        text += b.answered_at ? "  stale since " + clock_time(*b.answered_at) : "  no answer";
        text += " (" + b.problem + ")";
      } else if (b.state == "unreadable") {
        text += "  " + b.problem;
      }
      if (!b.container.empty()) text += "  container " + b.container;
      if (const auto started = parse_utc(b.started_at); started && b.state == "running") {
        text += "  up " + short_duration(std::chrono::duration_cast<std::chrono::seconds>(
                              Clock::now() - *started));
      }
      text += "  " + safe(b.project);
      const bool selected = i == cursor_.at(Pane::bottles);
      lines.push_back({text, selected ? Style::selected : Style::bold, i});
      for (const auto& d : b.daemons) {
        std::string dl = "    " + d.name + "  " + d.state + "  pid " + d.pid + "  restarts " +
                         d.restarts + "  last exit " + d.last_exit;
        if (!d.uptime.empty()) dl += "  up " + d.uptime;
        lines.push_back({dl, b.stale ? Style::dim : Style::normal, i});
      }
    }
    std::size_t cursor_line = 0;
    for (std::size_t l = 0; l < lines.size(); ++l) {
      if (lines[l].bottle == cursor_.at(Pane::bottles)) {
        cursor_line = l;
        break;
      }
    }
    draw_list(top, height, lines.size(), cursor_line, [&](int row, std::size_t i, bool) {
      screen_.put(row, 0, lines[i].text, lines[i].style);
    });
  }

  void draw_proposals(int top, int height) {
    if (proposals_.empty()) {
      screen_.put(top, 0, "no pending proposals");
      return;
    }
    draw_list(top, height, proposals_.size(), cursor_.at(Pane::proposals),
              [&](int row, std::size_t i, bool selected) {
                const auto& p = proposals_[i];
                const auto summary = p.proposal.summary();
                std::string first = summary.empty() ? "" : summary.front();
                if (summary.size() > 1) first += " (+" + std::to_string(summary.size() - 1) + ")";
                screen_.put(row, 0,
                            safe(p.slug) + "  " + safe(p.proposal.id) + "  " + p.proposal.kind() +
                                "  " + safe(first),
                            selected ? Style::selected : Style::normal);
              });
  }

  void draw_detail(int top, int height) {
    const ProposalRow* p = selected_proposal();
    if (!p) {
      screen_.put(top, 0, "this proposal is no longer pending (decided elsewhere)");
      return;
    }
    std::vector<std::pair<std::string, Style>> lines;
    lines.push_back({"proposal " + safe(p->proposal.id) + " of " + safe(p->slug) + " (" +
                         p->proposal.kind() + "), made " + safe(p->proposal.created),
                     Style::bold});
    lines.push_back({"change:", Style::bold});
    for (const auto& s : p->proposal.summary()) {
      lines.push_back({"  " + safe(s), s.starts_with("-") ? Style::block : Style::allow});
    }
    lines.push_back({"reason given by the agent:", Style::bold});
    std::string_view reason = p->proposal.reason;
    while (true) {
      const std::size_t nl = reason.find('\n');
      lines.push_back({"  | " + safe(reason.substr(0, nl)), Style::normal});
      if (nl == std::string_view::npos) break;
      reason.remove_prefix(nl + 1);
    }
    for (int i = 0; i < height && i < static_cast<int>(lines.size()); ++i) {
      screen_.put(top + i, 0, lines[static_cast<std::size_t>(i)].first,
                  lines[static_cast<std::size_t>(i)].second);
    }
  }

  void draw_decisions(int top, int height) {
    const BottleRow* b = selected_bottle();
    if (!b) {
      screen_.put(top, 0, "no bottle selected");
      return;
    }
    std::string head = "decisions of " + safe(b->slug) + (blocks_only_ ? " (blocks only)" : "");
    if (feed_.malformed() > 0) {
      head += "  " + std::to_string(feed_.malformed()) + " unreadable lines skipped";
    }
    screen_.put(top, 0, head, Style::bold);
    const auto feed = shown_feed();
    if (feed.empty()) {
      screen_.put(top + 1, 0, b->state == "running" ? "nothing yet" : "the bottle is not running");
      return;
    }
    draw_list(top + 1, height - 1, feed.size(), cursor_.at(Pane::decisions),
              [&](int row, std::size_t i, bool selected) {
                const FeedEntry& e = *feed[i];
                const std::string text = e.time + " " + e.daemon + " " + e.text;
                Style style = e.kind == FeedEntry::Kind::block ? Style::block : Style::normal;
                if (selected) style = Style::selected;
                screen_.put(row, 0, (e.kind == FeedEntry::Kind::block ? "! " : "  ") + text, style);
              });
  }

  void draw_audit(int top, int height) {
    const BottleRow* b = selected_bottle();
    if (!b) return;
    screen_.put(top, 0, "audit log of " + safe(b->slug) + ", newest first", Style::bold);
    if (audit_.empty()) {
      screen_.put(top + 1, 0, "no audit lines yet");
      return;
    }
    draw_list(top + 1, height - 1, audit_.size(), cursor_.at(Pane::audit),
              [&](int row, std::size_t i, bool selected) {
                screen_.put(row, 0, audit_[i], selected ? Style::selected : Style::normal);
              });
  }

  void draw_help(int top, int height) {
    static const char* lines[] = {
        "keys",
        "  1 2 3 4, Tab   bottles, proposals, decisions, audit",
        "  j k, arrows    move; PgUp PgDn by ten",
        "  Enter          a proposal's change and reason",
        "  a              approve the proposal (asks first)",
        "  e              edit the change in $EDITOR, then approve it (asks first)",
        "  r              reject it, with a comment for the agent",
        "  Esc            back, or cancel",
        "  b              decisions: blocks only, or all",
        "  A              decisions: add the blocked host to the allowlist (asks first)",
        "  q              quit",
        "the bottle selected in 1 is the one whose decisions and audit are shown",
        "any key closes this",
    };
    for (int i = 0; i < height && i < static_cast<int>(std::size(lines)); ++i) {
      screen_.put(top + i, 0, lines[i], i == 0 ? Style::bold : Style::normal);
    }
  }

  bottle::uv::Loop& loop_;
  DashboardOptions options_;
  const DockerCli& docker_;
  CursesScreen screen_;
  bottle::uv::Timer tick_;
  bottle::uv::Timer redraw_{loop_};
  bottle::uv::Signal winch_;
  bottle::uv::Signal interrupt_;
  bottle::uv::Signal terminate_;
  bottle::uv::OwnedHandle<uv_poll_t> stdin_;

  std::vector<BottleRow> bottles_;
  std::vector<ProposalRow> proposals_;
  std::size_t unreadable_proposals_ = 0;
  std::set<std::string> pending_seen_;
  bool first_refresh_done_ = false;
  std::map<std::string, Poll> polls_;
  std::map<std::string, std::unique_ptr<ChildCommand>> health_polls_;
  std::vector<std::unique_ptr<ChildCommand>> done_polls_;
  std::map<std::string, Status> statuses_;
  DecisionFeed feed_;
  std::string feed_slug_;
  std::unique_ptr<ChildCommand> feed_child_;
  bool feed_ended_ = false;
  bool feed_dirty_ = false;
  bool draw_scheduled_ = false;
  std::vector<std::string> audit_;

  Pane pane_ = Pane::bottles;
  Mode mode_ = Mode::normal;
  Mode confirm_return_ = Mode::normal;
  Mode comment_return_ = Mode::normal;
  std::map<Pane, std::size_t> cursor_{
      {Pane::bottles, 0}, {Pane::proposals, 0}, {Pane::decisions, 0}, {Pane::audit, 0}};
  std::string detail_key_;
  bool blocks_only_ = false;
  std::string notice_;
  std::string prompt_;
  std::function<void()> confirm_action_;
  std::string comment_;
  std::pair<std::string, std::string> comment_target_;
  bool quitting_ = false;
  bool acted_ = false;  // an approval, rejection or allowing ran in this key batch
};

}  // namespace

int run_dashboard(const DashboardOptions& options, const DockerCli& docker) {
  bottle::uv::Loop loop;
  {
    Dashboard dashboard(loop, options, docker);
    uv_run(loop.get(), UV_RUN_DEFAULT);
  }
  return 0;
}

}  // namespace host_tools
