#include "ref_update.hpp"

namespace git_gate {

std::string RefUpdate::change() const {
  if (deletes()) return "delete";
  if (creates()) return "create";
  return forced ? "forced-update" : "update";
}

std::vector<RefUpdate> parse_ref_updates(std::istream& in) {
  std::vector<RefUpdate> out;
  RefUpdate u;
  while (in >> u.old_id >> u.new_id >> u.ref) out.push_back(u);
  return out;
}

}  // namespace git_gate
