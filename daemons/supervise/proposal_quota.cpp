#include "proposal_quota.hpp"

namespace supervise {

namespace {
constexpr auto kWindow = std::chrono::minutes(1);
}

void ProposalQuota::forget_older_than_a_minute(Clock::time_point now) {
  while (!recent_.empty() && now - recent_.front() >= kWindow) recent_.pop_front();
}

std::optional<std::string> ProposalQuota::refusal(std::size_t pending) {
  const auto now = now_();
  forget_older_than_a_minute(now);
  if (recent_.size() >= settings_.per_minute) {
    const auto wait = std::chrono::ceil<std::chrono::seconds>(recent_.front() + kWindow - now);
    return "too many proposals: at most " + std::to_string(settings_.per_minute) +
           " proposals a minute; retry in " + std::to_string(std::max<long>(wait.count(), 1)) +
           " s (or fold what you need into fewer proposals: one may add up to 50 hosts or routes)";
  }
  if (pending >= settings_.max_pending) {
    return std::to_string(pending) + " proposals are pending (at most " +
           std::to_string(settings_.max_pending) +
           " at once): retry once the operator has decided some; list_proposals with state "
           "\"pending\" shows them, and get_proposal follows each";
  }
  return std::nullopt;
}

void ProposalQuota::record() {
  const auto now = now_();
  forget_older_than_a_minute(now);
  recent_.push_back(now);
  while (recent_.size() > settings_.per_minute) recent_.pop_front();
}

}  // namespace supervise
