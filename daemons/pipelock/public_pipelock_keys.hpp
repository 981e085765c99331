#pragma once

#include <set>
#include <string_view>

namespace pipelock {

// The public pipelock's config schema: every key path it defines ("[]" for
// list items, "*" for operator-chosen names), and the maps whose keys are
// free-form data.
const std::set<std::string_view>& public_pipelock_keys();
const std::set<std::string_view>& public_pipelock_free_form_maps();

}  // namespace pipelock
