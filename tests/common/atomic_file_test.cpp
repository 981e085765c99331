#include "bottle/config/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>

using namespace bottle::config;
namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("atomic-file-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(AtomicFile, ReplacesTheFileWithANewInodeAndLeavesNoTemporaryBehind) {
  const fs::path file = dir_ / "pipelock.yaml";
  write_file_atomically(file, "old\n", 0640);
  struct stat before {};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);
  write_file_atomically(file, "new\n");
  struct stat after {};
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  EXPECT_EQ(read_file(file), "new\n");
  // A new inode is what a directory bind mount shows and a file mount would hide.
  EXPECT_NE(before.st_ino, after.st_ino);
  EXPECT_EQ(after.st_mode & 07777, 0640u) << "the mode of the replaced file is kept";
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(AtomicFile, AFailedWriteLeavesTheLiveFileAsItWasAndNoTemporary) {
  const fs::path file = dir_ / "routes.yaml";
  write_file_atomically(file, "routes: []\n");
  // A file-size limit makes the write fail part-way, for root too.
  struct rlimit old_limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 16;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  EXPECT_THROW(write_file_atomically(file, std::string(4096, 'x')), std::system_error);
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(read_file(file), "routes: []\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(AtomicFile, ErrorsNameThePath) {
  try {
    read_file(dir_ / "missing.yaml");
    FAIL();
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.yaml"), std::string::npos);
  }
}
