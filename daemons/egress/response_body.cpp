#include "response_body.hpp"

namespace egress {

ResponseBody::ResponseBody(const ReflectionPatterns& patterns,
                           std::optional<bottle::http::BodyInflater::Coding> coding)
    : matcher_(patterns) {
  if (coding) inflater_ = std::make_unique<bottle::http::BodyInflater>(*coding);
}

bool ResponseBody::take(std::string_view in, std::string& out, std::size_t budget) {
  if (!inflater_) {
    matcher_.feed(in, out);
    return true;
  }
  if (!coded_.empty()) {
    coded_.append(in);  // behind what is already waiting
    return true;
  }
  decoded_.clear();
  const auto used = inflater_->inflate(in, decoded_, budget);
  if (!used) return false;
  coded_.assign(in.substr(*used));
  matcher_.feed(decoded_, out);
  return true;
}

bool ResponseBody::resume(std::string& out, std::size_t budget) {
  if (!inflater_) return true;
  decoded_.clear();
  const auto used = inflater_->inflate(coded_, decoded_, budget);
  if (!used) return false;
  coded_.erase(0, *used);
  matcher_.feed(decoded_, out);
  return true;
}

bool ResponseBody::finish(std::string& out) {
  if (inflater_ && (!coded_.empty() || !inflater_->complete())) return false;
  matcher_.feed(std::string_view(), out);
  matcher_.finish(out);
  return true;
}

}  // namespace egress
