#include "bottle/secrets/keyword_index.hpp"

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
}

void KeywordIndex::find(std::string_view text, std::vector<bool>& found) const {
  found.assign(keyword_count_, false);
  if (keyword_count_ == 0) return;
  const std::uint32_t* next = next_.data();
  const std::uint32_t* begin = output_begin_.data();
  const std::size_t classes = class_count_;
  std::uint32_t state = 0;
  for (unsigned char c : text) {
    state = next[state * classes + byte_class_[c]];
    const std::uint32_t b = begin[state];
    const std::uint32_t e = begin[state + 1];
    for (std::uint32_t i = b; i < e; ++i) found[outputs_[i]] = true;
  }
}

}  // namespace bottle::secrets
