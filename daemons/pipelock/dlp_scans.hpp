#pragma once

#include <atomic>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "bottle/uv/loop.hpp"
#include "bottle/uv/wakeup.hpp"
#include "request_dlp.hpp"

namespace pipelock {

// DLP scans run on worker threads, never on the event loop: a body is up to
// request_body_scanning.max_body_bytes, and one an agent makes dense with
// near-secrets costs seconds to read (every candidate match costs an
// allowlist pass). On the loop that would stall every tunnel of the bottle,
// and a restart's hand-off with them. Each scan has a time budget, counted
// from when a worker takes it: past it the request is refused
// ("dlp-scan-timeout"), never let through half read.
//
// The workers are threads of their own, not libuv's pool, which the loop's
// getaddrinfo calls use: a slow scan must not hold up name lookups.
class DlpScans {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  // Called on the loop's thread with the request handed back (unchanged) and
  // what the scan found. Not called once the Pending it came with is gone.
  using Done = std::function<void(Request, std::optional<DlpFinding>)>;

  struct Options {
    std::size_t workers = 2;
    std::chrono::milliseconds budget{5000};
  };

  struct Job;
  // A scan in flight: destroying it (its session ended) means its Done is
  // never called, and nothing of it is kept.
  class Pending {
   public:
    Pending(DlpScans& scans, std::shared_ptr<Job> job) : scans_(scans), job_(std::move(job)) {}
    Pending(const Pending&) = delete;
    Pending& operator=(const Pending&) = delete;
    // The scan is dropped: taken off the queue (the body with it), or
    // stopped at its next window when a worker has it.
    ~Pending();

   private:
    DlpScans& scans_;
    std::shared_ptr<Job> job_;
  };

  DlpScans(bottle::uv::Loop& loop, const RequestDlp& dlp, Options options);
  ~DlpScans();
  DlpScans(const DlpScans&) = delete;
  DlpScans& operator=(const DlpScans&) = delete;

  // The head (target and fields; the request's body is not read), or the
  // head's coding and type with the whole body.
  enum class Part { head, body };
  [[nodiscard]] std::unique_ptr<Pending> scan(Part part, Request request, Done done);

  std::chrono::milliseconds budget() const { return options_.budget; }
  // Scans waiting for a worker.
  std::size_t queued() const;

  // Around fork() (pipelock's tunnel carrier keeps open tunnels in a child).
  // Threads do not cross a fork, and neither may a lock one of them held:
  // RE2 keeps locks inside its automata, so a fork while a worker was inside
  // a match left the child's copy locked for good. So before_fork stops
  // handing out scans, stops the running ones at their next window (they go
  // back to the queue, to be scanned again from the start: a scan has no
  // effect but its result), waits for that, and holds the queue's lock
  // across the fork. In the parent,
  // after_fork_in_parent lets the workers go on (a fork that failed). In the
  // child, after_fork_in_child, called after uv_loop_fork, gives the queue,
  // the results not yet delivered and a fresh wake-up handle to new workers:
  // libuv's async handle carries a "wake pending" flag across the fork that
  // no event will ever clear, so the old handle would never wake again.
  void before_fork();
  void after_fork_in_parent();
  void after_fork_in_child();

 private:
  // What the loop and the workers share, under its mutex.
  struct Shared {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::shared_ptr<Job>> queue;
    std::vector<std::shared_ptr<Job>> running;
    std::vector<std::shared_ptr<Job>> done;
    std::condition_variable idle;  // running became empty (before_fork waits for it)
    bool paused = false;           // a fork is coming: no scan is started
    bool stopping = false;
  };

  void forget(const std::shared_ptr<Job>& job);
  void start_workers();
  void work(Shared& shared, std::size_t lane);
  void run(Job& job, std::size_t lane) const;
  void deliver();

  std::unique_ptr<bottle::uv::Wakeup> new_wakeup();

  bottle::uv::Loop& loop_;
  const RequestDlp& dlp_;
  Options options_;
  std::unique_ptr<Shared> shared_;
  std::vector<std::thread> workers_;
  std::unique_ptr<bottle::uv::Wakeup> finished_;
};

}  // namespace pipelock
