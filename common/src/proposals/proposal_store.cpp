#include "bottle/proposals/proposal_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <set>

#include "bottle/config/atomic_file.hpp"
#include "bottle/config/config_error.hpp"
#include "bottle/json/safe_json.hpp"
#include "bottle/text/terminal_escape.hpp"
#include "bottle/text/utf8.hpp"
#include "bottle/unique_fd.hpp"

namespace bottle::proposals {

using bottle::config::ConfigError;

namespace {

// A proposal is a few hundred bytes; anything far larger is not one.
constexpr off_t kMaxFileBytes = 256 * 1024;
// A proposal nests four levels (document, change, list, route); a file
// nested far deeper is refused before anything recurses over it.
constexpr std::size_t kMaxDepth = 16;
// Names read per pass over the directory while a page is filled.
constexpr std::size_t kScanBatch = 64;

// An id and a creation time from one clock reading: the id's six hex digits
// are the microsecond, so that ids sort in creation order.
struct Stamp {
  std::string id;
  std::string created;
};

Stamp stamp_now(long microsecond_bump) {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  std::tm utc{};
  ::gmtime_r(&now.tv_sec, &utc);
  const long micros = now.tv_nsec / 1000;
  char id_stamp[32];
  std::strftime(id_stamp, sizeof id_stamp, "%Y%m%d-%H%M%S", &utc);
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%06lx", (micros + microsecond_bump) & 0xffffffL);
  char created[48];
  const std::size_t n = std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(created + n, sizeof created - n, ".%06ldZ", micros);
  return {std::string("p-") + id_stamp + "-" + suffix, created};
}

// The file's text, refusing anything but a regular file: the directory is
// shared with the bundle, and a symlink planted there must not make the host
// tool read (or later replace) a file elsewhere.
std::optional<std::string> read_regular_file(const std::filesystem::path& path) {
  bottle::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::nullopt;
    throw ConfigError(path.string() + ": cannot open: " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw ConfigError(path.string() + ": not a regular file");
  }
  if (st.st_size > kMaxFileBytes) {
    throw ConfigError(path.string() + ": " + std::to_string(st.st_size) +
                      " bytes is too large for a proposal");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  return text;
}

// An exception's message as a listing shows it: bounded and escaped.
std::string problem_text(const std::exception& e) {
  const std::string escaped =
      bottle::text::escape_for_terminal(bottle::text::truncate_utf8(e.what(), 400));
  return std::string(bottle::text::truncate_utf8(escaped, 600));
}

nlohmann::json parse_file(const std::string& text, const std::filesystem::path& path) {
  try {
    return bottle::json::parse(text, kMaxDepth);
  } catch (const bottle::json::ParseError& e) {
    throw ConfigError(path.string() + ": " + e.what());
  }
}

}  // namespace

std::filesystem::path ProposalStore::file_of(const std::string& id) const {
  if (!valid_proposal_id(id)) {
    throw ConfigError(shown(id) +
                      " is not a proposal id (they look like p-20261122-103000-1a2b3c)");
  }
  return dir_ / (id + ".json");
}

Proposal ProposalStore::create(Proposal proposal) const {
  proposal.state = State::kPending;
  // Two proposals in one microsecond: the later one takes the next id up.
  for (long bump = 0;; ++bump) {
    const Stamp stamp = stamp_now(bump);
    proposal.id = stamp.id;
    proposal.created = stamp.created;
    if (!std::filesystem::exists(file_of(proposal.id))) break;
  }
  save(proposal);
  return proposal;
}

std::optional<Proposal> ProposalStore::find(const std::string& id) const {
  const auto path = file_of(id);
  const auto text = read_regular_file(path);
  if (!text) return std::nullopt;
  Proposal p = proposal_from_json(parse_file(*text, path), path.string());
  if (p.id != id) throw ConfigError(path.string() + ": holds proposal " + p.id + ", not " + id);
  return p;
}

std::vector<std::string> ProposalStore::ids_after(const std::string& after,
                                                  std::size_t count) const {
  std::set<std::string> smallest;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.ends_with(".json")) continue;
    std::string id = name.substr(0, name.size() - 5);
    // Temporary files of a write in progress start with a dot and are skipped.
    if (!valid_proposal_id(id) || id <= after) continue;
    if (smallest.size() < count) {
      smallest.insert(std::move(id));
    } else if (id < *smallest.rbegin()) {
      smallest.erase(std::prev(smallest.end()));
      smallest.insert(std::move(id));
    }
  }
  if (ec) throw ConfigError(dir_.string() + ": cannot list: " + ec.message());
  return {smallest.begin(), smallest.end()};
}

ListedProposal ProposalStore::read_entry(const std::string& id, std::size_t& bytes) const {
  ListedProposal entry;
  entry.id = id;
  bytes = 0;
  try {
    const auto path = file_of(id);
    const auto text = read_regular_file(path);
    if (!text) return entry;  // removed since the directory was read
    bytes = text->size();
    Proposal p = proposal_from_json(parse_file(*text, path), path.string());
    if (p.id != id) throw ConfigError(path.string() + ": holds proposal " + p.id + ", not " + id);
    entry.proposal = std::move(p);
  } catch (const std::exception& e) {
    // Whatever is wrong with one file is that file's entry; the others list.
    entry.problem = problem_text(e);
  }
  return entry;
}

Page ProposalStore::page(const PageRequest& request) const {
  if (!request.after.empty() && !valid_proposal_id(request.after)) {
    throw ConfigError("cursor " + shown(request.after) + " is not a proposal id");
  }
  const std::size_t limit = std::max<std::size_t>(request.limit, 1);
  Page out;
  std::string cursor = request.after;
  std::size_t bytes = 0;
  for (;;) {
    const auto ids = ids_after(cursor, kScanBatch);
    if (ids.empty()) return out;
    for (const auto& id : ids) {
      if (out.entries.size() >= limit || bytes >= request.max_bytes) {
        out.next_cursor = cursor;
        return out;
      }
      cursor = id;
      std::size_t size = 0;
      ListedProposal entry = read_entry(id, size);
      if (!entry.proposal && entry.problem.empty()) continue;
      if (request.state && (!entry.proposal || entry.proposal->state != *request.state)) continue;
      bytes += size;
      out.entries.push_back(std::move(entry));
    }
  }
}

void ProposalStore::for_each(const std::function<void(const ListedProposal&)>& visit,
                             std::optional<State> state) const {
  PageRequest request;
  request.state = state;
  for (;;) {
    const Page page = this->page(request);
    for (const auto& entry : page.entries) visit(entry);
    if (page.next_cursor.empty()) return;
    request.after = page.next_cursor;
  }
}

std::size_t ProposalStore::count_pending(std::size_t stop_at) const {
  std::size_t pending = 0;
  std::string cursor;
  while (pending < stop_at) {
    const auto ids = ids_after(cursor, kScanBatch);
    if (ids.empty()) break;
    for (const auto& id : ids) {
      cursor = id;
      try {
        const auto path = file_of(id);
        const auto text = read_regular_file(path);
        if (!text) continue;
        const nlohmann::json doc = parse_file(*text, path);
        // Most files are decided: a look at "state" spares checking them whole.
        const auto state = doc.is_object() ? doc.find("state") : doc.end();
        if (state == doc.end() || *state != "pending") continue;
        if (proposal_from_json(doc, path.string()).id == id) ++pending;
      } catch (const std::exception&) {
        // A file that is not a valid proposal cannot be approved: it holds no place.
      }
      if (pending >= stop_at) break;
    }
  }
  return pending;
}

void ProposalStore::save(const Proposal& proposal) const {
  bottle::config::write_file_atomically(file_of(proposal.id),
                                        bottle::json::dump(to_json(proposal), 2) + "\n", 0644);
}

}  // namespace bottle::proposals
