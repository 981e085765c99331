#pragma once

#include <istream>
#include <string>
#include <vector>

namespace git_gate {

// One "<old> <new> <ref>" line git gives a pre-receive hook.
struct RefUpdate {
  std::string old_id;
  std::string new_id;
  std::string ref;
  bool forced = false;        // old is not an ancestor of new: the agent forced it
  std::string redacted_name;  // set when the name itself holds a secret

  bool deletes() const { return new_id.find_first_not_of('0') == std::string::npos; }
  bool creates() const { return old_id.find_first_not_of('0') == std::string::npos; }
  // What may be shown: the name, or its redacted excerpt.
  const std::string& shown_name() const { return redacted_name.empty() ? ref : redacted_name; }
  // create | delete | update | forced-update
  std::string change() const;
  // What `git push` is given for it: "<new>:<ref>", or ":<ref>" to delete.
  std::string refspec() const { return (deletes() ? "" : new_id) + ":" + ref; }
};

std::vector<RefUpdate> parse_ref_updates(std::istream& in);

}  // namespace git_gate
