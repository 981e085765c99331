#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

// The rules for a proposal's free text and metadata. The agent writes the
// reason; the host tool writes the decision; a hand-edited file may hold
// anything, so every field is checked when read, and nothing that passes can
// drive the terminal of the operator reading it.
namespace bottle::proposals {

constexpr std::size_t kMaxReasonBytes = 2000;
constexpr std::size_t kMaxOperatorBytes = 64;

// `text` as a message may quote it: in double quotes, at most `max_bytes` of
// it (cut on a character boundary, the cut marked with "..."), everything
// that could drive a terminal escaped.
std::string shown(std::string_view text, std::size_t max_bytes = 80);

// A reason: a non-empty string of at most kMaxReasonBytes of valid UTF-8, with
// no control character but newline and tab and nothing else a terminal obeys
// (C1 controls, bidirectional overrides). Throws ConfigError saying which rule.
std::string checked_reason(const nlohmann::json& value);
// The operator's comment on a decision: the rules of a reason, but it may be empty.
std::string checked_comment(const nlohmann::json& value);
// A UTC time as proposals record it, "2026-11-22T10:30:00Z", with up to nine
// fractional digits before the Z. `key` names the field in the error.
std::string checked_timestamp(const nlohmann::json& value, const std::string& key);
// Who decided: 1 to kMaxOperatorBytes of text with nothing a terminal obeys.
std::string checked_operator(const nlohmann::json& value);
// An operator's name (from $USER) in a form checked_operator accepts, so the
// host tool never writes a decision it could not read back.
std::string recordable_operator(std::string_view name);

}  // namespace bottle::proposals
