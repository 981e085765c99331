#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "bottle/proposals/proposal.hpp"
#include "bottle_paths.hpp"
#include "docker_cli.hpp"

// `bottle proposals ...`: the operator's side of supervise. The agent wrote
// every proposal, so each is read back with the same strict rules supervise
// used, and approve applies it through apply_config_change like any edit of
// the operator's own.
namespace host_tools {

void proposals_list(const BottlePaths& paths, std::ostream& out);
void proposals_show(const BottlePaths& paths, const std::string& id, std::ostream& out);
// `shown`: the proposal as the operator saw it (the dashboard): approving is
// refused, nothing changed, when the file no longer says the same.
// `edited`: what to apply instead of the proposed change (the same kind,
// checked by the same rules); the proposal file then keeps both, and the
// audit line says it was edited.
void proposals_approve(const BottlePaths& paths, const std::string& id, const std::string& comment,
                       const DockerCli& docker, std::ostream& out,
                       const bottle::proposals::Proposal* shown = nullptr,
                       const bottle::proposals::Change* edited = nullptr);
// The proposal's change opened in $EDITOR (as JSON) and read back by the
// rules a proposal is read by. `shown` is the proposal as the editor showed
// it (to pass to proposals_approve, so that a file rewritten while the
// editor was open is refused); `edited` is empty when the change came back
// unchanged. Throws ConfigError naming the problem (nothing is changed then).
struct EditedProposal {
  bottle::proposals::Proposal shown;
  std::optional<bottle::proposals::Change> edited;
};
EditedProposal edit_proposed_change(const BottlePaths& paths, const std::string& id);
void proposals_reject(const BottlePaths& paths, const std::string& id, const std::string& comment,
                      std::ostream& out);

}  // namespace host_tools
