#pragma once

#include <cstddef>

namespace pipelock {

// What intercepted sessions hold at once of requests not yet forwarded (a
// body is read whole before its scan, and what the agent pipelines behind it
// waits), counted against one budget for the whole process: the per-request
// limit alone would let an agent hold max_body_bytes in each of hundreds of
// tunnels. The loop's thread only.
class HeldBytes {
 public:
  explicit HeldBytes(std::size_t budget) : budget_(budget) {}
  HeldBytes(const HeldBytes&) = delete;
  HeldBytes& operator=(const HeldBytes&) = delete;

  std::size_t budget() const { return budget_; }
  std::size_t held() const { return held_; }

  // One session's part; given back when it is destroyed.
  class Share {
   public:
    explicit Share(HeldBytes& pool) : pool_(pool) {}
    Share(const Share&) = delete;
    Share& operator=(const Share&) = delete;
    ~Share() { pool_.held_ -= mine_; }

    // Holds `bytes` in all; false, and nothing changed, when that would take
    // the pool past its budget.
    bool set(std::size_t bytes) {
      if (bytes > mine_ && bytes - mine_ > pool_.budget_ - pool_.held_) return false;
      pool_.held_ = pool_.held_ - mine_ + bytes;
      mine_ = bytes;
      return true;
    }

   private:
    HeldBytes& pool_;
    std::size_t mine_ = 0;
  };

 private:
  std::size_t budget_;
  std::size_t held_ = 0;
};

}  // namespace pipelock
