#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bottle::json {

// No input may end a process: these are the only ways components here turn
// untrusted bytes into JSON values and JSON values into bytes.

// Deeper documents are refused before anything recurses over them (a copy or
// a comparison of a nlohmann::json value recurses once per level).
inline constexpr std::size_t kDefaultMaxDepth = 64;

class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses `text`, refusing documents nested deeper than max_depth and invalid
// JSON alike with a ParseError whose message says why (valid UTF-8, bounded length).
nlohmann::json parse(std::string_view text, std::size_t max_depth = kDefaultMaxDepth);
nlohmann::ordered_json parse_ordered(std::string_view text,
                                     std::size_t max_depth = kDefaultMaxDepth);

// Serialises with every invalid UTF-8 byte in a string replaced by U+FFFD:
// nlohmann's default throws on such a byte, which is how one byte from an
// agent used to end a process while its error reply was being written.
std::string dump(const nlohmann::json& value, int indent = -1);
std::string dump(const nlohmann::ordered_json& value, int indent = -1);

}  // namespace bottle::json
