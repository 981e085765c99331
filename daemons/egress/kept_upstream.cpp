#include "kept_upstream.hpp"

namespace egress {

UpstreamChannel* KeptUpstream::reuse_for(const std::string& key, Clock::time_point now) {
  if (channel_ && !in_use_ && fit_ && key == key_ && now - idle_since_ < kReuseWithin) {
    in_use_ = true;
    fit_ = false;
    reused_ = true;
    channel_->resume_reading();
    return channel_.get();
  }
  drop();
  return nullptr;
}

UpstreamChannel& KeptUpstream::adopt(std::string key, std::unique_ptr<UpstreamChannel> channel) {
  channel_ = std::move(channel);
  key_ = std::move(key);
  in_use_ = true;
  fit_ = false;
  return *channel_;
}

void KeptUpstream::release(bool fit, Clock::time_point now) {
  in_use_ = false;
  fit_ = fit && channel_ != nullptr;
  idle_since_ = now;
}

void KeptUpstream::close_if_unfit() {
  if (channel_ && !in_use_ && !fit_) drop();
}

void KeptUpstream::drop() {
  channel_.reset();
  in_use_ = false;
  fit_ = false;
}

void KeptUpstream::retrying() {
  retried_ = true;
  reused_ = false;
  drop();
}

}  // namespace egress
