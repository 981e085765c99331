#pragma once

#include <filesystem>
#include <string>

namespace host_tools {

// Opens $VISUAL, else $EDITOR, else vi, on `file` and waits for it. The
// variable may carry arguments ("code --wait"); they are split on spaces,
// never handed to a shell. Throws std::runtime_error when the editor fails.
void run_editor(const std::filesystem::path& file);

}  // namespace host_tools
