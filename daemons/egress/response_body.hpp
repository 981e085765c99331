#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bottle/http/body_inflater.hpp"
#include "reflection_matcher.hpp"

namespace egress {

// What the agent gets of an upstream's response body: decoded first when it
// came gzip or deflate (the agent then gets it without a Content-Encoding),
// and with every form of the route's token replaced (ReflectionMatcher).
// Decoding is bounded per call by a budget, so a body that inflates a
// thousandfold is produced as fast as the agent reads it, not all at once:
// what the budget did not cover stays here (backlogged()) until resume().
class ResponseBody {
 public:
  ResponseBody(const ReflectionPatterns& patterns,
               std::optional<bottle::http::BodyInflater::Coding> coding);

  // Takes the next bytes from the upstream and appends to `out` what the
  // agent may have now. False when coded data is not valid.
  bool take(std::string_view in, std::string& out, std::size_t budget);
  // Decodes more of what take() kept.
  bool resume(std::string& out, std::size_t budget);
  bool backlogged() const { return !coded_.empty() || (inflater_ && inflater_->output_pending()); }
  // The body ended: appends what was held back. False when the coded stream
  // was cut short.
  bool finish(std::string& out);

  const ReflectionMatcher& matcher() const { return matcher_; }

 private:
  ReflectionMatcher matcher_;
  std::unique_ptr<bottle::http::BodyInflater> inflater_;
  std::string coded_;    // taken and not decoded yet
  std::string decoded_;  // reused between calls
};

}  // namespace egress
