#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace bottle::text {

namespace detail {
struct Identity {
  template <typename T>
  constexpr T&& operator()(T&& t) const noexcept {
    return std::forward<T>(t);
  }
};
}  // namespace detail

// The items of any range with `separator` between them ("GET, HEAD"); numbers
// are written in decimal, and `project` picks what of each item to write
// (`[](auto& r) { return r.name; }`). A template of our own rather than
// fmt::join: fmt would be one more shared library in every component, and
// the supervisor takes it header-only to stay small.
template <typename Range, typename Project = detail::Identity>
std::string join(const Range& items, std::string_view separator, Project project = {}) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out.append(separator);
    first = false;
    const auto& shown = project(item);
    if constexpr (std::is_arithmetic_v<std::decay_t<decltype(shown)>>) {
      out += std::to_string(shown);
    } else {
      out.append(std::string_view(shown));
    }
  }
  return out;
}

}  // namespace bottle::text
