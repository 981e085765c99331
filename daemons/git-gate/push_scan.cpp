#include "push_scan.hpp"

#include <unistd.h>

#include <cerrno>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include "bottle/secrets/stream_scanner.hpp"
#include "bottle/subprocess.hpp"
#include "bottle/unique_fd.hpp"
#include "cat_file_stream.hpp"
#include "child_process.hpp"

namespace git_gate {

using bottle::secrets::Finding;
using bottle::secrets::Source;
using bottle::secrets::StreamScanner;

namespace {

const std::map<std::string, std::string> kGitEnv = {{"GIT_NO_REPLACE_OBJECTS", "1"}};

std::string short_id(const std::string& id) { return id.substr(0, 12); }

// Reads `fd` to its end in pieces, handing each to `piece`.
void read_all(int fd, const std::function<void(std::string_view)>& piece) {
  std::string buffer(64 * 1024, '\0');
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("reading from git failed");
    if (n == 0) return;
    piece(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
}

// Which commit added each blob, and under which path: from git log --raw
// over the same revisions (the oldest commit wins, as it is the one to edit).
std::map<std::string, std::pair<std::string, std::string>> introducing_commits(
    const std::string& repo, const std::vector<std::string>& revisions) {
  std::vector<std::string> args = {"log",         "--format=%x01%H", "--raw",
                                   "--no-abbrev", "--no-renames",    "--diff-merges=first-parent",
                                   "--no-color",  "--no-ext-diff"};
  args.insert(args.end(), revisions.begin(), revisions.end());
  std::map<std::string, std::pair<std::string, std::string>> out;
  std::string commit;
  const int code =
      bottle::run_reading_stdout(git_in(repo, args), kGitEnv, [&](std::string_view line) {
        if (line.starts_with('\x01')) {
          commit = std::string(line.substr(1));
          return;
        }
        // ":100644 100644 <old> <new> M\t<path>"
        if (!line.starts_with(':')) return;
        const std::size_t tab = line.find('\t');
        if (tab == std::string_view::npos) return;
        const std::string_view head = line.substr(0, tab);
        std::size_t field = 0, at = 0;
        std::string_view blob;
        while (at < head.size()) {
          std::size_t space = head.find(' ', at);
          if (space == std::string_view::npos) space = head.size();
          if (++field == 4) blob = head.substr(at, space - at);
          at = space + 1;
        }
        if (blob.empty() || blob.find_first_not_of('0') == std::string_view::npos) return;
        out[std::string(blob)] = {commit, std::string(line.substr(tab + 1))};
      });
  if (code != 0) throw std::runtime_error("git log --raw failed");
  return out;
}

// Runs `producer`'s output (object ids, one per line, with anything after
// them) through git cat-file --batch in `repo`, handing each object to `stream`.
void cat_objects(const std::string& repo, const std::vector<std::string>& producer,
                 CatFileStream& stream) {
  auto ids = bottle::make_cloexec_pipe();
  auto contents = bottle::make_cloexec_pipe();
  ChildProcess list(producer, -1, ids.write.get(), kGitEnv);
  ids.write.reset();
  ChildProcess cat(
      git_in(repo, {"cat-file", "--batch=%(objectname) %(objecttype) %(objectsize) %(rest)"}),
      ids.read.get(), contents.write.get(), kGitEnv);
  ids.read.reset();
  contents.write.reset();
  read_all(contents.read.get(), [&](std::string_view piece) { stream.feed(piece); });
  if (list.wait() != 0) throw std::runtime_error(bottle::printable(producer) + " failed");
  if (cat.wait() != 0 || !stream.complete()) throw std::runtime_error("git cat-file failed");
}

}  // namespace

std::vector<std::string> git_in(const std::string& repo, std::vector<std::string> args) {
  std::vector<std::string> argv = {"git", "--no-replace-objects", "-C", repo,
                                   "-c",  "core.quotePath=false"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

ObjectScan scan_objects(const GateRules& rules, const std::string& repo,
                        const std::vector<std::string>& revisions) {
  ObjectScan result;
  const auto added_by = introducing_commits(repo, revisions);
  std::unique_ptr<StreamScanner> current;
  std::set<std::string> names;
  auto finish_object = [&] {
    if (!current) return;
    current->finish();
    result.bytes += current->bytes_scanned();
    for (auto& f : current->take_findings()) result.findings.push_back(std::move(f));
    current.reset();
  };
  CatFileStream stream({
      [&](const ObjectHeader& h) {
        ++result.objects;
        if (!h.rest.empty()) names.insert(h.rest);
        Source where;
        if (h.type == "blob") {
          const auto it = added_by.find(h.id);
          where.path = it != added_by.end() ? it->second.second : h.rest;
          where.commit = it != added_by.end() ? it->second.first : "";
          where.description = "file " + where.path +
                              (where.commit.empty() ? "" : " of commit " + short_id(where.commit));
        } else if (h.type == "commit") {
          where.commit = h.id;
          where.description = "commit " + short_id(h.id) + " (its message, author or committer)";
        } else if (h.type == "tag") {
          where.description = "annotated tag object " + short_id(h.id) + " (its name or message)";
        } else {
          return;  // a tree: its names are scanned below
        }
        current = std::make_unique<StreamScanner>(rules.scanner, where, rules.workers);
      },
      [&](std::string_view piece) {
        if (current) current->feed(piece);
      },
      finish_object,
  });
  std::vector<std::string> list = git_in(repo, {"rev-list", "--objects"});
  list.insert(list.end(), revisions.begin(), revisions.end());
  cat_objects(repo, list, stream);
  // File and folder names become the upstream's too.
  std::string text;
  for (const auto& n : names) text += n + "\n";
  StreamScanner name_scan(rules.scanner, {"a file or folder name", "(file names)", ""});
  name_scan.feed(text);
  name_scan.finish();
  result.bytes += name_scan.bytes_scanned();
  for (auto& f : name_scan.take_findings()) result.findings.push_back(std::move(f));
  std::erase_if(result.findings, [&](const Finding& f) { return rules.accepts(f); });
  return result;
}

void drop_published(const GateRules& rules, const std::string& repo,
                    const std::vector<std::string>& published, ObjectScan& scan) {
  constexpr std::size_t kMaxFiles = 50;  // a bound on the git calls a push can cause
  std::map<std::string, std::set<std::pair<std::string, std::uint64_t>>> secrets_in;
  for (const auto& f : scan.findings) {
    if (f.source.path.empty() || !f.source.description.starts_with("file ")) continue;
    if (secrets_in.count(f.source.path) || secrets_in.size() >= kMaxFiles) continue;
    auto& seen = secrets_in[f.source.path];
    for (const auto& tip : published) {
      const std::string object = tip + ":" + f.source.path;
      // A path the published commit lacks has nothing published.
      const auto type = bottle::run_captured(git_in(repo, {"cat-file", "-t", object}), kGitEnv);
      if (!type.ok() || type.out != "blob\n") continue;
      auto out = bottle::make_cloexec_pipe();
      ChildProcess cat(git_in(repo, {"cat-file", "blob", object}), -1, out.write.get(), kGitEnv);
      out.write.reset();
      StreamScanner old(rules.scanner, {"", f.source.path, ""});
      read_all(out.read.get(), [&](std::string_view piece) { old.feed(piece); });
      old.finish();
      cat.wait();
      for (const auto& o : old.findings()) seen.emplace(o.rule_id, o.secret_digest);
    }
  }
  std::erase_if(scan.findings, [&](const Finding& f) {
    const auto it = secrets_in.find(f.source.path);
    return it != secrets_in.end() && it->second.count({f.rule_id, f.secret_digest});
  });
}

}  // namespace git_gate
