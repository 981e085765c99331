#include "git_push_guard.hpp"

#include <algorithm>
#include <cctype>

#include "bottle/text/ascii.hpp"
#include "bottle/text/decoding.hpp"

namespace egress {

namespace {}  // namespace

bool is_git_push(const AgentTarget& target) {
  // The target is canonical (no encoded unreserved characters, no ';' in the
  // path, no dot segments), so these comparisons see what the upstream sees;
  // decoding anyway costs nothing and keeps the check sound on its own.
  std::string path = bottle::text::ascii_lower(bottle::text::percent_decode(target.path));
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.ends_with("/git-receive-pack")) return true;
  // Any request naming the receive-pack service, whatever the path: a
  // server may answer the advertisement under another spelling of /info/refs.
  // Some query parsers also split pairs on ';'.
  const std::string query = bottle::text::ascii_lower(bottle::text::percent_decode(target.query));
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = query.find_first_of("&;", start);
    std::string_view pair = std::string_view(query).substr(
        start, end == std::string::npos ? std::string::npos : end - start);
    while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
    if (pair == "service=git-receive-pack") return true;
    if (end == std::string::npos) return false;
    start = end + 1;
  }
}

std::string git_push_refusal_body() {
  return "egress refuses git push: pushes leave the bottle only through git-gate,\n"
         "which scans them for secrets first. Push to the git-gate remote instead\n"
         "(the bottle's gitconfig points pushes at git://git-gate:9418/<name>;\n"
         "`git remote -v` shows it).\n";
}

}  // namespace egress
