#include "bottle/text/count_lines.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

using bottle::text::count_newlines;

TEST(CountNewlines, CountsEveryNewlineWhereverItFalls) {
  EXPECT_EQ(count_newlines(""), 0u);
  EXPECT_EQ(count_newlines("no newline"), 0u);
  EXPECT_EQ(count_newlines("\n"), 1u);
  EXPECT_EQ(count_newlines("\n\n\nx\n"), 4u);
  EXPECT_EQ(count_newlines(std::string_view("a\0\nb\n", 5)), 2u);
  std::string big;
  for (int i = 0; i < 10000; ++i) big += std::string(static_cast<std::size_t>(i % 97), 'x') + "\n";
  EXPECT_EQ(count_newlines(big), 10000u);
  EXPECT_EQ(count_newlines(std::string_view(big).substr(1, big.size() - 2)),
            static_cast<std::size_t>(std::count(big.begin() + 1, big.end() - 1, '\n')));
}
