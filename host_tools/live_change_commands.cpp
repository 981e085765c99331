#include "live_change_commands.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <iostream>
#include <iterator>
#include <set>

#include "bottle/config/atomic_file.hpp"
#include "bottle/config/config_error.hpp"
#include "bottle/config/hostname_rules.hpp"
#include "bottle_metadata.hpp"
#include "config_change.hpp"
#include "editor.hpp"
#include "live_edits.hpp"
#include "pipelock_document.hpp"
#include "routes_document.hpp"

namespace host_tools {

using bottle::config::ConfigError;

namespace {

void apply_routes(const BottlePaths& paths, const std::function<void(RoutesDocument&)>& change,
                  const DockerCli& docker, std::ostream& out) {
  const auto config = egress_routes(paths);
  const auto tokens = bundle_tokens(paths);
  apply_config_change(
      paths, config,
      [&](const std::string& live) {
        return edit_routes(live, config.file.string(), tokens, change);
      },
      docker, out);
}

void apply_hosts(const BottlePaths& paths, const HostListChange& change, const DockerCli& docker,
                 std::ostream& out) {
  const auto config = pipelock_allowlist(paths);
  apply_config_change(
      paths, config,
      [&](const std::string& live) { return edit_allowlist(live, config.file.string(), change); },
      docker, out);
}

// A file the operator edits, kept when the edit cannot be applied so that
// their work is never lost.
class EditBuffer {
 public:
  EditBuffer(const BottlePaths& paths, const std::string& stem, const std::string& text) {
    std::string pattern = (paths.dir() / (stem + "-edit-XXXXXX.txt")).string();
    int fd = ::mkstemps(pattern.data(), 4);
    if (fd < 0) throw std::runtime_error("cannot create an edit file in " + paths.dir().string());
    ::close(fd);
    path_ = pattern;
    bottle::config::write_file_atomically(path_, text, 0600);
  }
  ~EditBuffer() {
    if (!keep_) std::filesystem::remove(path_);
  }
  const std::filesystem::path& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

// Runs `apply` on the edited buffer; on any failure, the buffer stays and the
// error says where it is.
template <typename Apply>
void apply_edit(EditBuffer& buffer, Apply apply) {
  try {
    apply();
  } catch (const ConfigError& e) {
    buffer.keep();
    throw ConfigError(std::string(e.what()) + "\n(your edit is kept in " + buffer.path().string() +
                      ")");
  } catch (const std::exception& e) {
    buffer.keep();
    throw std::runtime_error(std::string(e.what()) + "\n(your edit is kept in " +
                             buffer.path().string() + ")");
  }
}

}  // namespace

std::set<std::string> bundle_tokens(const BottlePaths& paths) {
  auto meta = read_metadata(paths.metadata_file());
  if (!meta) return {};
  return {meta->token_variables.begin(), meta->token_variables.end()};
}

BottlePaths known_bottle(const std::filesystem::path& state_root, const std::string& name) {
  BottlePaths paths(state_root, name);
  if (!std::filesystem::exists(paths.metadata_file())) {
    throw ConfigError("no bottle '" + name + "' under " + state_root.string() +
                      " (see `bottle ls`)");
  }
  return paths;
}

std::string read_input(const std::string& file) {
  if (file.empty() || file == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  try {
    return bottle::config::read_file(file);
  } catch (const std::system_error& e) {
    throw ConfigError(e.what());
  }
}

void pipelock_show(const BottlePaths& paths, std::ostream& out) {
  const auto file = paths.pipelock_config();
  auto doc = PipelockDocument::parse(bottle::config::read_file(file), file.string());
  for (const auto& h : doc.allowlist()) out << h << "\n";
}

void pipelock_set(const BottlePaths& paths, const std::string& file, const DockerCli& docker,
                  std::ostream& out) {
  const std::string source = file.empty() || file == "-" ? "<stdin>" : file;
  auto hosts = bottle::config::parse_host_lines(read_input(file), source);
  apply_hosts(paths, set_hosts(std::move(hosts)), docker, out);
}

void pipelock_add(const BottlePaths& paths, const std::vector<std::string>& hosts,
                  const DockerCli& docker, std::ostream& out) {
  apply_hosts(paths, add_hosts(hosts_from_arguments(hosts)), docker, out);
}

void pipelock_remove(const BottlePaths& paths, const std::vector<std::string>& hosts,
                     const DockerCli& docker, std::ostream& out) {
  apply_hosts(paths, remove_hosts(hosts_from_arguments(hosts)), docker, out);
}

void pipelock_edit(const BottlePaths& paths, const DockerCli& docker, std::ostream& out) {
  const auto file = paths.pipelock_config();
  const auto original =
      PipelockDocument::parse(bottle::config::read_file(file), file.string()).allowlist();
  std::string text =
      "# pipelock allowlist of bottle " + paths.slug() +
      ": one host per line; '*.example.com' also matches example.com.\n"
      "# Lines starting with '#' and blank lines are ignored. Save and quit to apply.\n";
  for (const auto& h : original) text += h + "\n";
  EditBuffer buffer(paths, "allowlist", text);
  run_editor(buffer.path());
  apply_edit(buffer, [&] {
    auto hosts = bottle::config::parse_host_lines(bottle::config::read_file(buffer.path()),
                                                  buffer.path().string());
    apply_hosts(
        paths,
        [&](const std::vector<std::string>& current) {
          // Someone applied a change while the editor was open: writing this
          // edit would silently undo theirs.
          if (current != original) {
            throw ConfigError(
                "the allowlist changed while you were editing; apply your edit "
                "with `bottle pipelock set " +
                paths.slug() + " FILE`");
          }
          return hosts;
        },
        docker, out);
  });
}

void routes_show(const BottlePaths& paths, std::ostream& out) {
  const auto file = paths.routes_config();
  out << render_routes_list(
      RoutesDocument::parse(bottle::config::read_file(file), file.string()).routes());
}

void routes_set(const BottlePaths& paths, const std::string& file, const DockerCli& docker,
                std::ostream& out) {
  const std::string source = file.empty() || file == "-" ? "<stdin>" : file;
  auto routes = parse_routes_text(read_input(file), source);
  apply_routes(
      paths, [&](RoutesDocument& doc) { doc.set(routes); }, docker, out);
}

void routes_add(const BottlePaths& paths, const bottle::config::Route& route,
                const DockerCli& docker, std::ostream& out) {
  apply_routes(
      paths, [&](RoutesDocument& doc) { doc.add(route); }, docker, out);
}

void routes_remove(const BottlePaths& paths, const std::string& host,
                   const std::optional<std::string>& path_prefix, const DockerCli& docker,
                   std::ostream& out) {
  const std::string normal = bottle::config::normalize_hostname(host);
  apply_routes(
      paths, [&](RoutesDocument& doc) { doc.remove(normal, path_prefix); }, docker, out);
}

void routes_edit(const BottlePaths& paths, const DockerCli& docker, std::ostream& out) {
  const auto file = paths.routes_config();
  const auto original =
      RoutesDocument::parse(bottle::config::read_file(file), file.string()).routes();
  std::string text =
      "# egress routes of bottle " + paths.slug() +
      ": a YAML list; each route has host, upstream (https://), token_env,\n"
      "# and optionally path_prefix (/), header (Authorization), value (\"Bearer {token}\"),\n"
      "# methods ([GET, HEAD] makes a route read-only; default GET, HEAD, POST, PUT, PATCH,\n"
      "# DELETE, OPTIONS).\n"
      "# Save and quit to apply.\n" +
      render_routes_list(original);
  EditBuffer buffer(paths, "routes", text);
  run_editor(buffer.path());
  apply_edit(buffer, [&] {
    auto routes =
        parse_routes_text(bottle::config::read_file(buffer.path()), buffer.path().string());
    apply_routes(
        paths,
        [&](RoutesDocument& doc) {
          if (doc.routes() != original) {
            throw ConfigError(
                "the routes changed while you were editing; apply your edit with "
                "`bottle routes set " +
                paths.slug() + " FILE`");
          }
          doc.set(routes);
        },
        docker, out);
  });
}

}  // namespace host_tools
