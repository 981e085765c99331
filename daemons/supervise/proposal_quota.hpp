#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>

namespace supervise {

struct QuotaSettings {
  // Pending proposals in the bottle at once: the operator decides each, and an
  // agent must not bury the ones that matter under a thousand others.
  std::size_t max_pending = 20;
  // New proposals in any minute.
  std::size_t per_minute = 10;
};

// The limits on new proposals, judged before one is written. The pending
// count is read from the proposals folder (the operator's decisions change
// it), the rate from the proposals supervise wrote in the last minute.
class ProposalQuota {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ProposalQuota(QuotaSettings settings,
                         std::function<Clock::time_point()> now = Clock::now)
      : settings_(settings), now_(std::move(now)) {}

  const QuotaSettings& settings() const { return settings_; }
  // Why a new proposal is refused now, saying when to retry; nothing when it
  // may be written. `pending` is how many are pending (counted up to max_pending).
  std::optional<std::string> refusal(std::size_t pending);
  // A proposal was written now.
  void record();

 private:
  void forget_older_than_a_minute(Clock::time_point now);
  QuotaSettings settings_;
  std::function<Clock::time_point()> now_;
  std::deque<Clock::time_point> recent_;  // at most per_minute entries
};

}  // namespace supervise
