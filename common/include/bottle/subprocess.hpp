#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

// Running programs (docker, compose, $EDITOR, git) as child processes: always
// an argument vector, never a shell, so no value from a config can be read as syntax.
namespace bottle {

using ExtraEnv = std::map<std::string, std::string>;

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0; }
};

// Runs argv[0] (searched on PATH) with the caller's environment plus `extra`,
// collecting stdout and stderr; stdin is `stdin_file`, else closed. Throws
// std::runtime_error when argv[0] cannot be found or started.
CommandResult run_captured(const std::vector<std::string>& argv, const ExtraEnv& extra = {},
                           const std::string& stdin_file = {});

// The same, with the child using our stdin, stdout and stderr (progress of a
// build, an interactive session). Returns the exit code.
int run_attached(const std::vector<std::string>& argv, const ExtraEnv& extra = {});

// Runs argv with its stdout and stderr both going to `output_file` (created 0600).
int run_to_file(const std::vector<std::string>& argv, const std::string& output_file);

// Whether `program` is on PATH.
bool on_path(const std::string& program);

// "docker compose up -d" as one printable string, for messages.
std::string printable(const std::vector<std::string>& argv);

// Runs argv with stdout and stderr merged, passing to `line` each output line
// as it arrives (for following logs). Returns the exit code.
int run_line_by_line(const std::vector<std::string>& argv,
                     const std::function<void(const std::string&)>& line);

// Runs argv with the caller's environment plus `extra`, passing each line of
// its stdout to `line` as it arrives (never holding the whole output); its
// stderr is ours. Returns the exit code.
int run_reading_stdout(const std::vector<std::string>& argv, const ExtraEnv& extra,
                       const std::function<void(std::string_view)>& line);

}  // namespace bottle
