#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace host_tools {

// One decision of a bottle's daemons, as the dashboard shows it: pipelock's
// and egress's decision lines and git-gate's line per push, read from the
// bundle's log (`docker logs --timestamps <sidecars>`: "<time> <daemon>:
// <line>", the supervisor's prefix). Every field came from a line an agent's
// traffic shaped: `text` is escaped for the terminal already.
struct FeedEntry {
  enum class Kind { allow, block, other };
  Kind kind = Kind::other;
  std::string daemon;
  std::string time;  // hh:mm:ss, UTC
  std::string host;  // raw: for an allowlist addition, checked again there
  std::string text;  // escaped
};

// What one log line is: a decision, a line that is not one (a daemon's own
// log: ignored), or a line that claims to be one and cannot be read
// (malformed: counted, never shown raw).
struct FeedLine {
  enum class What { decision, not_a_decision, malformed };
  What what = What::not_a_decision;
  FeedEntry entry;
};
FeedLine read_feed_line(std::string_view line);

// The newest decisions of one bottle, at most `capacity`, and how many lines
// could not be read.
class DecisionFeed {
 public:
  explicit DecisionFeed(std::size_t capacity = 2000) : capacity_(capacity) {}
  void add(std::string_view log_line);
  void clear();
  const std::deque<FeedEntry>& entries() const { return entries_; }  // oldest first
  std::size_t malformed() const { return malformed_; }

 private:
  std::size_t capacity_;
  std::deque<FeedEntry> entries_;
  std::size_t malformed_ = 0;
};

}  // namespace host_tools
