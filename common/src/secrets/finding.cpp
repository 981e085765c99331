#include "bottle/secrets/finding.hpp"

namespace bottle::secrets {

std::string Finding::fingerprint() const {
  std::string f = source.commit.empty() ? "" : source.commit + ":";
  return f + source.path + ":" + rule_id + ":" + std::to_string(line);
}

}  // namespace bottle::secrets
