#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bottle/subprocess.hpp"

// Runs the real `bottle` binary in a scratch folder, with a fake docker first
// on PATH (tests/support/fake-docker-bin) that records each call.
class BottleCli {
 public:
  BottleCli();
  ~BottleCli();
  BottleCli(const BottleCli&) = delete;
  BottleCli& operator=(const BottleCli&) = delete;

  // `bottle --state-dir <scratch>/state ARGS...`, with extra environment.
  bottle::CommandResult run(const std::vector<std::string>& args, bottle::ExtraEnv env = {}) const;
  // The same with `input` on stdin.
  bottle::CommandResult run_with_input(const std::vector<std::string>& args,
                                       const std::string& input) const;

  // `bottle ARGS...` left running, for tests that signal it midway.
  struct Running {
    int pid;
    std::function<bottle::CommandResult()> wait;
  };
  Running start_in_background(const std::vector<std::string>& args, bottle::ExtraEnv env) const;

  // Each docker call so far, one line each ("docker kill --signal USR1 NAME").
  std::vector<std::string> docker_calls() const;
  bool docker_called(const std::string& line) const;
  void clear_docker_calls() const;
  // Writes a manifest with bottle `demo` into the scratch folder; returns its path.
  std::filesystem::path write_manifest(const std::string& extra_bottle_yaml = "") const;
  // A started (fake) bottle `demo`.
  void start_demo() const;
  // Makes the fake container stop "running".
  void stop_container(const std::string& name) const;

  const std::filesystem::path& scratch() const { return dir_; }
  // The environment `bottle` runs with here (fake docker first on PATH).
  bottle::ExtraEnv base_env() const;
  std::filesystem::path state() const { return dir_ / "state"; }
  std::filesystem::path bottle_dir() const { return state() / "demo"; }

 private:
  std::filesystem::path dir_;
};

std::string read_text(const std::filesystem::path& p);
