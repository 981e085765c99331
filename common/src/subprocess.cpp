#include "bottle/subprocess.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/process.hpp>
#include <future>
#include <stdexcept>

#include "bottle/text/join.hpp"
#include "bottle/unique_fd.hpp"

namespace bp = boost::process;

namespace bottle {

namespace {

boost::filesystem::path find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  auto path = bp::search_path(name);
  if (path.empty()) throw std::runtime_error("cannot find '" + name + "' on PATH");
  return path;
}

bp::environment environment_with(const ExtraEnv& extra) {
  bp::environment env = boost::this_process::environment();
  // Not env[name]: Boost 1.74's lookup behind operator[] reads past short
  // entries (AddressSanitizer reports it); the implementation's set() does not.
  for (const auto& [name, value] : extra) env.set(name, value);
  return env;
}

std::vector<std::string> arguments(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::logic_error("empty command");
  return {argv.begin() + 1, argv.end()};
}

}  // namespace

CommandResult run_captured(const std::vector<std::string>& argv, const ExtraEnv& extra,
                           const std::string& stdin_file) {
  boost::asio::io_context io;
  std::future<std::string> out;
  std::future<std::string> err;
  const auto exe = find_program(argv.at(0));
  std::error_code ec;
  const boost::filesystem::path input = stdin_file.empty() ? "/dev/null" : stdin_file;
  bp::child child(exe, bp::args(arguments(argv)), environment_with(extra),
                  bp::std_in<input, bp::std_out> out, bp::std_err > err, io, ec);
  if (ec) throw std::runtime_error("cannot run " + printable(argv) + ": " + ec.message());
  io.run();
  child.wait();
  return CommandResult{child.exit_code(), out.get(), err.get()};
}

int run_attached(const std::vector<std::string>& argv, const ExtraEnv& extra) {
  const auto exe = find_program(argv.at(0));
  std::error_code ec;
  bp::child child(exe, bp::args(arguments(argv)), environment_with(extra), ec);
  if (ec) throw std::runtime_error("cannot run " + printable(argv) + ": " + ec.message());
  child.wait();
  return child.exit_code();
}

int run_to_file(const std::vector<std::string>& argv, const std::string& output_file) {
  const auto exe = find_program(argv.at(0));
  // Created first so the log, which may quote daemon output, is the operator's alone.
  bottle::UniqueFd fd(::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) throw std::runtime_error("cannot create " + output_file);
  fd.reset();
  std::error_code ec;
  bp::child child(exe, bp::args(arguments(argv)), bp::std_in.close(),
                  (bp::std_out & bp::std_err) > boost::filesystem::path(output_file), ec);
  if (ec) throw std::runtime_error("cannot run " + printable(argv) + ": " + ec.message());
  child.wait();
  return child.exit_code();
}

bool on_path(const std::string& program) { return !bp::search_path(program).empty(); }

std::string printable(const std::vector<std::string>& argv) {
  return bottle::text::join(argv, " ");
}

int run_line_by_line(const std::vector<std::string>& argv,
                     const std::function<void(const std::string&)>& line) {
  const auto exe = find_program(argv.at(0));
  bp::ipstream output;
  std::error_code ec;
  bp::child child(exe, bp::args(arguments(argv)), bp::std_in.close(),
                  (bp::std_out & bp::std_err) > output, ec);
  if (ec) throw std::runtime_error("cannot run " + printable(argv) + ": " + ec.message());
  std::string text;
  while (std::getline(output, text)) line(text);
  child.wait();
  return child.exit_code();
}

int run_reading_stdout(const std::vector<std::string>& argv, const ExtraEnv& extra,
                       const std::function<void(std::string_view)>& line) {
  const auto exe = find_program(argv.at(0));
  bp::ipstream out;
  std::error_code ec;
  bp::child child(exe, bp::args(arguments(argv)), environment_with(extra), bp::std_in.close(),
                  bp::std_out > out, ec);
  if (ec) throw std::runtime_error("cannot run " + printable(argv) + ": " + ec.message());
  for (std::string text; std::getline(out, text);) line(text);
  child.wait();
  return child.exit_code();
}

}  // namespace bottle
