#include "editor.hpp"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "bottle/subprocess.hpp"

namespace host_tools {

void run_editor(const std::filesystem::path& file) {
  std::string editor = "vi";
  for (const char* var : {"VISUAL", "EDITOR"}) {
    if (const char* v = std::getenv(var); v && *v) {
      editor = v;
      break;
    }
  }
  std::vector<std::string> argv;
  std::istringstream words(editor);
  for (std::string w; words >> w;) argv.push_back(w);
  argv.push_back(file.string());
  if (int code = bottle::run_attached(argv); code != 0) {
    throw std::runtime_error("the editor (" + editor + ") exited with " + std::to_string(code) +
                             "; nothing applied");
  }
}

}  // namespace host_tools
