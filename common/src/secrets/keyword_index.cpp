#include "bottle/secrets/keyword_index.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <stdexcept>

namespace bottle::secrets {

// A full Aho-Corasick automaton (every state has a next state for every byte
// class, failure links folded in), over byte classes: the bytes that occur in
// a keyword, upper case folded to lower, each get a class; all other bytes
// share class 0. The table stays small (states x classes) and the scan is one
// table lookup per byte.
KeywordIndex::KeywordIndex(const std::vector<std::string>& keywords)
    : keyword_count_(keywords.size()) {
  for (const auto& k : keywords) {
    if (k.empty()) throw std::invalid_argument("empty keyword");
    longest_ = std::max(longest_, k.size());
    for (unsigned char c : k) {
      if (byte_class_[c] == 0) byte_class_[c] = static_cast<std::uint8_t>(class_count_++);
      if (class_count_ > 255) throw std::invalid_argument("too many distinct keyword bytes");
    }
  }
  for (int c = 'A'; c <= 'Z'; ++c) byte_class_[c] = byte_class_[std::tolower(c)];

  // The trie: goto_[state * classes + class], 0 = none (state 0 is the root,
  // which no edge enters).
  std::vector<std::uint32_t> trie(class_count_, 0);
  std::vector<std::vector<std::uint32_t>> out(1);
  for (std::size_t id = 0; id < keywords.size(); ++id) {
    std::uint32_t state = 0;
    for (unsigned char c : keywords[id]) {
      const std::size_t slot = state * class_count_ + byte_class_[c];
      if (trie[slot] == 0) {
        trie[slot] = static_cast<std::uint32_t>(out.size());
        out.emplace_back();
        trie.resize(out.size() * class_count_, 0);
      }
      state = trie[state * class_count_ + byte_class_[c]];
    }
    out[state].push_back(static_cast<std::uint32_t>(id));
  }
  const std::size_t states = out.size();
  next_.assign(states * class_count_, 0);
  std::vector<std::uint32_t> fail(states, 0);
  std::deque<std::uint32_t> queue;
  for (std::size_t c = 1; c < class_count_; ++c) {
    const std::uint32_t s = trie[c];
    next_[c] = s;
    if (s != 0) queue.push_back(s);
  }
  // Breadth first, so a state's failure target is complete before it is used.
  while (!queue.empty()) {
    const std::uint32_t state = queue.front();
    queue.pop_front();
    const auto& inherited = out[fail[state]];
    out[state].insert(out[state].end(), inherited.begin(), inherited.end());
    for (std::size_t c = 0; c < class_count_; ++c) {
      const std::uint32_t s = c == 0 ? 0 : trie[state * class_count_ + c];
      if (s != 0) {
        fail[s] = next_[fail[state] * class_count_ + c];
        next_[state * class_count_ + c] = s;
        queue.push_back(s);
      } else {
        next_[state * class_count_ + c] = next_[fail[state] * class_count_ + c];
      }
    }
  }
  output_begin_.assign(states + 1, 0);
  for (std::size_t s = 0; s < states; ++s) {
    output_begin_[s + 1] = output_begin_[s] + static_cast<std::uint32_t>(out[s].size());
    outputs_.insert(outputs_.end(), out[s].begin(), out[s].end());
  }
  // The scan's table: each entry is the next state's row offset, with the top
  // bit set when that state ends a keyword, so the common step is one load.
  // Rows are a power of two wide, so that a row's state is a shift away.
  while ((std::size_t{1} << row_shift_) < class_count_) ++row_shift_;
  if ((states << row_shift_) >= kHasOutput) throw std::invalid_argument("too many keywords");
  std::vector<std::uint32_t> table(states << row_shift_, 0);
  for (std::size_t s = 0; s < states; ++s) {
    for (std::size_t c = 0; c < class_count_; ++c) {
      const std::uint32_t to = next_[s * class_count_ + c];
      table[(s << row_shift_) + c] =
          static_cast<std::uint32_t>(to << row_shift_) | (out[to].empty() ? 0 : kHasOutput);
    }
  }
  next_ = std::move(table);
}

void KeywordIndex::mark(std::uint32_t row, std::vector<bool>& found) const {
  const std::size_t state = row >> row_shift_;
  for (std::uint32_t i = output_begin_[state]; i < output_begin_[state + 1]; ++i) {
    found[outputs_[i]] = true;
  }
}

void KeywordIndex::find(std::string_view text, std::vector<bool>& found) const {
  found.assign(keyword_count_, false);
  if (keyword_count_ == 0) return;
  const std::uint32_t* const next = next_.data();
  const std::uint8_t* const byte_class = byte_class_;
  const auto* const p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  // Each step waits for the table load of the step before, so one automaton
  // is bound by memory latency, not bandwidth: four run side by side over
  // four quarters of the text, each reading on past its quarter's end by the
  // longest keyword, so no occurrence across a boundary is missed.
  const std::size_t quarter = n / 4 > 4 * longest_ ? n / 4 : 0;
  std::uint32_t r0 = 0, r1 = 0, r2 = 0, r3 = 0;
  const unsigned char* p0 = p;
  const unsigned char* p1 = p + quarter;
  const unsigned char* p2 = p + 2 * quarter;
  const unsigned char* p3 = p + 3 * quarter;
  for (std::size_t i = 0; i < quarter; ++i) {
    const std::uint32_t n0 = next[r0 + byte_class[p0[i]]];
    const std::uint32_t n1 = next[r1 + byte_class[p1[i]]];
    const std::uint32_t n2 = next[r2 + byte_class[p2[i]]];
    const std::uint32_t n3 = next[r3 + byte_class[p3[i]]];
    r0 = n0 & ~kHasOutput;
    r1 = n1 & ~kHasOutput;
    r2 = n2 & ~kHasOutput;
    r3 = n3 & ~kHasOutput;
    if ((n0 | n1 | n2 | n3) & kHasOutput) [[unlikely]] {
      if (n0 & kHasOutput) mark(r0, found);
      if (n1 & kHasOutput) mark(r1, found);
      if (n2 & kHasOutput) mark(r2, found);
      if (n3 & kHasOutput) mark(r3, found);
    }
  }
  // Each lane's tail: lanes 0-2 read on into the next quarter, lane 3 to the end.
  auto finish = [&](std::uint32_t row, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const std::uint32_t next_row = next[row + byte_class[p[i]]];
      row = next_row & ~kHasOutput;
      if (next_row & kHasOutput) mark(row, found);
    }
  };
  if (quarter == 0) {
    finish(0, 0, n);
    return;
  }
  const std::size_t overlap = longest_ - 1;
  finish(r0, quarter, std::min(n, quarter + overlap));
  finish(r1, 2 * quarter, std::min(n, 2 * quarter + overlap));
  finish(r2, 3 * quarter, std::min(n, 3 * quarter + overlap));
  finish(r3, 4 * quarter, n);
}

}  // namespace bottle::secrets
