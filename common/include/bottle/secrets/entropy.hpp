#pragma once

#include <string_view>

namespace bottle::secrets {

// Shannon entropy of `s` in bits per character (per byte), as gitleaks
// computes it for a rule's `entropy` threshold.
double shannon_entropy(std::string_view s);

}  // namespace bottle::secrets
