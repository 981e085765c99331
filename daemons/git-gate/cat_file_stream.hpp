#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace git_gate {

// One object as `git cat-file --batch='%(objectname) %(objecttype)
// %(objectsize) %(rest)'` announces it.
struct ObjectHeader {
  std::string id;
  std::string type;  // blob, tree, commit, tag
  std::uint64_t size = 0;
  std::string rest;  // what followed the id on the input line: rev-list's path
};

// Parses that output as it arrives, in pieces of any size, handing each
// object's content on in pieces too: a blob of any size is never held whole.
class CatFileStream {
 public:
  struct Callbacks {
    std::function<void(const ObjectHeader&)> begin;
    std::function<void(std::string_view)> content;
    std::function<void()> end;
  };
  explicit CatFileStream(Callbacks callbacks) : callbacks_(std::move(callbacks)) {}

  // Throws std::runtime_error on output that is not cat-file's (a missing object).
  void feed(std::string_view bytes);
  // Whether the output ended between objects.
  bool complete() const { return !in_object_ && header_.empty(); }

 private:
  Callbacks callbacks_;
  std::string header_;  // a header line not yet complete
  bool in_object_ = false;
  std::uint64_t left_ = 0;  // content bytes still to come, then the newline
};

}  // namespace git_gate
