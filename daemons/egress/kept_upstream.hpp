#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "upstream_channel.hpp"

namespace egress {

// The upstream connection an agent connection keeps between its requests,
// so the next request to the same upstream skips the dial, the CONNECT and
// the TLS handshake; and the one retry a request gets when a kept connection
// turns out closed. The channel is either in use by the current request,
// idle and fit for reuse, or gone.
class KeptUpstream {
 public:
  using Clock = std::chrono::steady_clock;
  // A channel idle longer than this is not reused: servers close idle
  // connections after a while, and a request sent just as they do fails.
  static constexpr auto kReuseWithin = std::chrono::seconds(4);

  // A request to `key` (host:port) is about to go out. The kept channel when
  // it is idle, fit, to the same upstream and fresh (it is then in use and
  // the request counts as reused); nullptr otherwise, having dropped it.
  UpstreamChannel* reuse_for(const std::string& key, Clock::time_point now);
  // A new channel for the current request, now in use.
  UpstreamChannel& adopt(std::string key, std::unique_ptr<UpstreamChannel> channel);
  // The request is done with the channel. It may carry the next request
  // when `fit` (the upstream keeps it alive, the response ended on its
  // framing, nothing unread is left). Never closes it: this may run inside
  // the channel's own callbacks; close_if_unfit() does, outside them.
  void release(bool fit, Clock::time_point now);
  // Closes an idle channel that is not fit for another request.
  void close_if_unfit();
  // The upstream sent bytes, closed or failed while no request owned the
  // channel: it is never reused.
  void spoil() { fit_ = false; }
  // Closes the channel now (the agent went away, a timeout, the end).
  void drop();

  UpstreamChannel* channel() const { return channel_.get(); }
  bool in_use() const { return channel_ && in_use_; }
  bool idle() const { return channel_ && !in_use_; }

  // Per request: whether it went out on a kept channel, and may be sent
  // once more on a new one if that channel fails before any answer. Only a
  // request without a body can be: there is nothing to send again.
  void new_request() { reused_ = retried_ = false; }
  bool reused() const { return reused_; }
  bool may_retry(bool answer_started, bool has_body) const {
    return reused_ && !retried_ && !answer_started && !has_body;
  }
  // The retry is under way: the failed channel is dropped.
  void retrying();

 private:
  std::unique_ptr<UpstreamChannel> channel_;
  std::string key_;
  Clock::time_point idle_since_{};
  bool in_use_ = false;
  bool fit_ = false;
  bool reused_ = false;
  bool retried_ = false;
};

}  // namespace egress
