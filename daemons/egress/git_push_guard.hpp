#pragma once

#include <string>
#include <string_view>

#include "agent_target.hpp"

namespace egress {

// Whether a request is part of a git smart-HTTP push: a path ending in
// /git-receive-pack (the pack upload), or a request for the receive-pack
// service (the ref advertisement, /info/refs?service=git-receive-pack).
// Matched after percent-decoding and without regard to case, because some
// servers route case-insensitively; a trailing slash does not hide it either.
bool is_git_push(const AgentTarget& target);

// The 403 body git shows the agent (as "remote: ..." lines) when it refuses a push.
std::string git_push_refusal_body();

}  // namespace egress
