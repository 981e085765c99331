#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bottle::text {

// The items with `separator` between them ("GET, HEAD").
inline std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.append(separator);
    out.append(items[i]);
  }
  return out;
}

}  // namespace bottle::text
