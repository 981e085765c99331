#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bottle::secrets {

// All keywords of all rules, found in one pass over a fragment (Aho-Corasick,
// ASCII case-insensitive): the pass that decides which rules' expressions run
// at all, so the cost of a scan grows with the rules that could match, not
// with the number of rules.
class KeywordIndex {
 public:
  // `keywords` in lower case, none empty.
  explicit KeywordIndex(const std::vector<std::string>& keywords);

  // Which keywords occur in `text`: found[i] for keywords[i].
  void find(std::string_view text, std::vector<bool>& found) const;
  std::size_t size() const { return keyword_count_; }

 private:
  void mark(std::uint32_t row, std::vector<bool>& found) const;

  static constexpr std::uint32_t kHasOutput = 1u << 31;

  std::size_t keyword_count_ = 0;
  std::size_t longest_ = 1;
  std::uint8_t byte_class_[256] = {};
  std::size_t class_count_ = 1;
  unsigned row_shift_ = 0;
  std::vector<std::uint32_t> next_;          // state * class_count_ + class
  std::vector<std::uint32_t> output_begin_;  // per state, into outputs_
  std::vector<std::uint32_t> outputs_;       // keyword ids, grouped by state
};

}  // namespace bottle::secrets
