#include "bottle/json/safe_json.hpp"

#include "bottle/text/utf8.hpp"

namespace bottle::json {

namespace {
template <class Json>
Json parse_bounded(std::string_view text, std::size_t max_depth) {
  // The parser itself does not recurse; the depth is checked as each object
  // or array opens, so a deep document is refused before it is built.
  typename Json::parser_callback_t limit = [max_depth](int depth,
                                                       nlohmann::json::parse_event_t event, Json&) {
    if ((event == nlohmann::json::parse_event_t::object_start ||
         event == nlohmann::json::parse_event_t::array_start) &&
        static_cast<std::size_t>(depth) >= max_depth) {
      throw ParseError("nested deeper than " + std::to_string(max_depth) + " levels");
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), limit);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number no double holds (1e999):
    // every caller catches ParseError, so nothing else may leave here.
    // nlohmann quotes the token it stopped at: keep that printable and short.
    throw ParseError("not valid JSON: " +
                     text::replace_invalid_utf8(text::truncate_utf8(e.what(), 300)));
  }
}
}  // namespace

nlohmann::json parse(std::string_view text, std::size_t max_depth) {
  return parse_bounded<nlohmann::json>(text, max_depth);
}

nlohmann::ordered_json parse_ordered(std::string_view text, std::size_t max_depth) {
  return parse_bounded<nlohmann::ordered_json>(text, max_depth);
}

std::string dump(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dump(const nlohmann::ordered_json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace bottle::json
