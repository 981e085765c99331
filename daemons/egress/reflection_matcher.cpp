#include "reflection_matcher.hpp"

#include <algorithm>

#include "bottle/text/ascii.hpp"

namespace egress {

ReflectionMatcher::ReflectionMatcher(const ReflectionPatterns& patterns) : patterns_(patterns) {
  std::size_t size = 1;
  while (size <= patterns.longest()) size <<= 1;
  starts_.assign(size, 0);
  mask_ = size - 1;
}

void ReflectionMatcher::feed(std::string_view in, std::string& out) {
  feed_base_ = held_start_ + held_.size();
  in_ = in;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i < n) {
    if (state_ == 0 && escape_ == Escape::kNone) {
      // Nothing is under way: skip what cannot begin a match (most bytes).
      while (i < n && !patterns_.may_start(p[i])) ++i;
      if (i == n) break;
    }
    step_source(p[i], feed_base_ + i, out);
    ++i;
  }
  const std::uint64_t end = feed_base_ + n;
  // Hold back from where a match could still begin.
  std::uint64_t keep_from = end;
  if (escape_ != Escape::kNone) keep_from = escape_start_;
  if (const std::uint32_t depth = patterns_.depth(state_); depth > 0) {
    keep_from = std::min(keep_from, starts_[(decoded_ - depth) & mask_]);
  }
  emit_until(keep_from, out);
  std::string rest;
  const std::uint64_t held_end = held_start_ + held_.size();
  if (emitted_ < held_end) rest.append(held_, emitted_ - held_start_);
  rest.append(in.substr(std::max(emitted_, feed_base_) - feed_base_));
  held_ = std::move(rest);
  held_start_ = emitted_;
  feed_base_ = end;
  in_ = {};
}

void ReflectionMatcher::finish(std::string& out) {
  out.append(held_);
  emitted_ = held_start_ + held_.size();
  held_start_ = emitted_;
  held_.clear();
  state_ = 0;
  escape_ = Escape::kNone;
}

void ReflectionMatcher::step_source(unsigned char c, std::uint64_t at, std::string& out) {
  switch (escape_) {
    case Escape::kNone:
      if (c == '%') {
        escape_ = Escape::kPercent;
        escape_start_ = at;
      } else {
        step_decoded(c, at, at + 1, out);
      }
      return;
    case Escape::kPercent:
      if (bottle::text::hex_digit_value(c) >= 0) {
        escape_ = Escape::kPercentHex;
        escape_high_ = c;
        return;
      }
      // Not an escape: the '%' stands for itself.
      escape_ = Escape::kNone;
      step_decoded('%', escape_start_, escape_start_ + 1, out);
      step_source(c, at, out);
      return;
    case Escape::kPercentHex:
      escape_ = Escape::kNone;
      if (const int low = bottle::text::hex_digit_value(c); low >= 0) {
        const auto byte =
            static_cast<unsigned char>(bottle::text::hex_digit_value(escape_high_) * 16 + low);
        step_decoded(byte, escape_start_, at + 1, out);
        return;
      }
      step_decoded('%', escape_start_, escape_start_ + 1, out);
      step_decoded(escape_high_, escape_start_ + 1, escape_start_ + 2, out);
      step_source(c, at, out);
      return;
  }
}

void ReflectionMatcher::step_decoded(unsigned char c, std::uint64_t start, std::uint64_t end,
                                     std::string& out) {
  starts_[decoded_ & mask_] = start;
  ++decoded_;
  state_ = patterns_.next(state_, c);
  const std::uint32_t length = patterns_.match_length(state_);
  if (length == 0) return;
  const std::uint64_t from = starts_[(decoded_ - length) & mask_];
  emit_until(from, out);
  out.append(end - from, patterns_.marker());
  emitted_ = end;
  if (replacements_.size() < kMaxRecorded) {
    replacements_.push_back({from, end - from, patterns_.match_form(state_), end - from != length});
  }
  ++replaced_;
  state_ = 0;
}

void ReflectionMatcher::emit_until(std::uint64_t to, std::string& out) {
  if (to <= emitted_) return;
  const std::uint64_t held_end = held_start_ + held_.size();
  if (emitted_ < held_end) {
    const std::uint64_t stop = std::min(to, held_end);
    out.append(held_, emitted_ - held_start_, stop - emitted_);
    emitted_ = stop;
  }
  if (emitted_ < to) {
    out.append(in_.data() + (emitted_ - feed_base_), to - emitted_);
    emitted_ = to;
  }
}

}  // namespace egress
