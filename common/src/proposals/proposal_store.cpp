#include "bottle/proposals/proposal_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

#include "bottle/config/atomic_file.hpp"
#include "bottle/config/config_error.hpp"
#include "bottle/unique_fd.hpp"

namespace bottle::proposals {

using bottle::config::ConfigError;

namespace {

// A proposal is a few hundred bytes; anything far larger is not one.
constexpr off_t kMaxFileBytes = 256 * 1024;

std::string fresh_id() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
  std::random_device random;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%06x", random() & 0xffffffu);
  return std::string("p-") + stamp + "-" + suffix;
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

// Microseconds, so that proposals made one after another list in that order.
std::string created_now() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  std::tm utc{};
  ::gmtime_r(&now.tv_sec, &utc);
  char stamp[40];
  const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(stamp + n, sizeof stamp - n, ".%06ldZ", now.tv_nsec / 1000);
  return stamp;
}

}  // namespace

std::filesystem::path ProposalStore::file_of(const std::string& id) const {
  if (!valid_proposal_id(id)) {
    throw ConfigError("'" + id +
                      "' is not a proposal id (they look like p-20261122-103000-1a2b3c)");
  }
  return dir_ / (id + ".json");
}

Proposal ProposalStore::create(Proposal proposal) const {
  proposal.created = created_now();
  proposal.state = State::kPending;
  do {
    proposal.id = fresh_id();
  } while (std::filesystem::exists(file_of(proposal.id)));
  save(proposal);
  return proposal;
}

std::optional<Proposal> ProposalStore::find(const std::string& id) const {
  const auto path = file_of(id);
  const auto text = read_regular_file(path);
  if (!text) return std::nullopt;
  nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded()) throw ConfigError(path.string() + ": not valid JSON");
  Proposal p = proposal_from_json(doc, path.string());
  if (p.id != id) throw ConfigError(path.string() + ": holds proposal " + p.id + ", not " + id);
  return p;
}

std::vector<Proposal> ProposalStore::list(std::vector<std::string>* problems) const {
  std::vector<Proposal> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".json")) continue;
    const std::string id = name.substr(0, name.size() - 5);
    // Temporary files of a write in progress start with a dot and are skipped.
    if (!valid_proposal_id(id)) continue;
    try {
      if (auto p = find(id)) out.push_back(std::move(*p));
    } catch (const ConfigError& e) {
      if (problems) problems->push_back(e.what());
    }
  }
  if (ec) throw ConfigError(dir_.string() + ": cannot list: " + ec.message());
  std::sort(out.begin(), out.end(), [](const Proposal& a, const Proposal& b) {
    return std::tie(a.created, a.id) < std::tie(b.created, b.id);
  });
  return out;
}

void ProposalStore::save(const Proposal& proposal) const {
  bottle::config::write_file_atomically(file_of(proposal.id), to_json(proposal).dump(2) + "\n",
                                        0644);
}

}  // namespace bottle::proposals
