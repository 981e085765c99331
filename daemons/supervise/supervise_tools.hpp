#pragma once

#include <spdlog/logger.h>

#include <nlohmann/json.hpp>
#include <string>

#include "bottle/proposals/proposal_store.hpp"
#include "live_configs.hpp"
#include "proposal_quota.hpp"

namespace supervise {

// The tools the agent sees: read what the bottle may reach, propose a change
// to it, and follow what the operator decided.
class SuperviseTools {
 public:
  SuperviseTools(const LiveConfigs& configs, const bottle::proposals::ProposalStore& store,
                 ProposalQuota& quota, spdlog::logger& log)
      : configs_(configs), store_(store), quota_(quota), log_(log) {}

  // The tools/list result's "tools".
  nlohmann::json list() const;
  // A tools/call result. A tool that fails (a rejected proposal, an unreadable
  // config, arguments the schema does not allow, a quota reached) answers
  // with isError, so the model can read why and correct itself; an unknown
  // tool or arguments that are not an object throw jsonrpc::RpcError(kInvalidParams).
  nlohmann::json call(const std::string& name, const nlohmann::json& arguments);

 private:
  nlohmann::json get_allowlist(const nlohmann::json& args) const;
  nlohmann::json get_routes(const nlohmann::json& args) const;
  nlohmann::json propose_allowlist_change(const nlohmann::json& args);
  nlohmann::json propose_route_change(const nlohmann::json& args);
  nlohmann::json get_proposal(const nlohmann::json& args) const;
  nlohmann::json list_proposals(const nlohmann::json& args) const;
  // Writes `proposal` if the quota allows, and answers with its id.
  nlohmann::json submit(bottle::proposals::Proposal proposal);

  const LiveConfigs& configs_;
  const bottle::proposals::ProposalStore& store_;
  ProposalQuota& quota_;
  spdlog::logger& log_;
};

}  // namespace supervise
