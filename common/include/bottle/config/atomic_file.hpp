#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace bottle::config {

// Replaces `path` with `content` so that a reader sees either the old file or
// the new one, never a mix: write a temporary file in the same directory,
// fsync it, rename it over `path`, fsync the directory. The rename gives the
// file a new inode, which is why the bundle mounts config directories, not
// single files (a single-file bind mount would keep showing the old inode).
// `mode` defaults to the mode of the file being replaced, else 0644.
// Throws std::system_error naming the path on failure; `path` is then untouched.
void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           std::optional<mode_t> mode = std::nullopt);

// The whole file, or std::system_error naming it.
std::string read_file(const std::filesystem::path& path);

}  // namespace bottle::config
