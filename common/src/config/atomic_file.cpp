#include "bottle/config/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <system_error>

#include "bottle/unique_fd.hpp"

namespace bottle::config {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           std::optional<mode_t> mode) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  if (!mode) {
    struct stat st {};
    mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  }
  std::random_device rd;
  const std::filesystem::path temp =
      dir / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
             std::to_string(rd()));
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, *mode));
  if (!fd.valid()) fail("cannot create", temp);
  try {
    // The umask must not narrow or widen what the caller asked for.
    if (::fchmod(fd.get(), *mode) != 0) fail("cannot set the mode of", temp);
    write_all(fd.get(), content, temp);
    if (::fsync(fd.get()) != 0) fail("cannot fsync", temp);
    fd.reset();
    if (::rename(temp.c_str(), path.c_str()) != 0) fail("cannot rename a new file over", path);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
  // The rename is durable only once the directory entry is.
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.valid()) ::fsync(dir_fd.get());
}

std::string read_file(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) fail("cannot open", path);
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace bottle::config
