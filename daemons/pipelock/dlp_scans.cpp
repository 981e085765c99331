#include "dlp_scans.hpp"

#include <algorithm>

#include "bottle/uv/callback_guard.hpp"

namespace pipelock {

struct DlpScans::Job {
  Part part;
  Request request;
  Done done;
  std::optional<DlpFinding> finding;
  // Its session is gone: never delivered, and stopped if running.
  std::atomic<bool> abandoned{false};
  // Stop scanning now (abandoned, or a fork coming): read by the scan's budget.
  std::atomic<bool> stop{false};
};

DlpScans::Pending::~Pending() {
  job_->abandoned = true;
  job_->stop = true;
  scans_.forget(job_);
}

void DlpScans::forget(const std::shared_ptr<Job>& job) {
  // A queued job holds the request's body: an agent that opens tunnels,
  // sends bodies and closes them must not fill the queue with work for no
  // one (the session's HeldBytes share is given back as it closes).
  std::lock_guard lock(shared_->mutex);
  auto& q = shared_->queue;
  q.erase(std::remove(q.begin(), q.end(), job), q.end());
}

DlpScans::DlpScans(bottle::uv::Loop& loop, const RequestDlp& dlp, Options options)
    : loop_(loop),
      dlp_(dlp),
      options_(options),
      shared_(std::make_unique<Shared>()),
      finished_(new_wakeup()) {
  options_.workers = std::max<std::size_t>(options_.workers, 1);
  start_workers();
}

DlpScans::~DlpScans() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
  }
  shared_->wake.notify_all();
  for (auto& w : workers_) w.join();
}

std::unique_ptr<bottle::uv::Wakeup> DlpScans::new_wakeup() {
  return std::make_unique<bottle::uv::Wakeup>(loop_, [this] { deliver(); });
}

std::size_t DlpScans::queued() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->queue.size();
}

void DlpScans::start_workers() {
  for (std::size_t i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this, &shared = *shared_, i] { work(shared, i); });
  }
}

std::unique_ptr<DlpScans::Pending> DlpScans::scan(Part part, Request request, Done done) {
  auto job = std::make_shared<Job>();
  job->part = part;
  job->request = std::move(request);
  job->done = std::move(done);
  {
    std::lock_guard lock(shared_->mutex);
    shared_->queue.push_back(job);
  }
  shared_->wake.notify_one();
  return std::make_unique<Pending>(*this, std::move(job));
}

void DlpScans::work(Shared& shared, std::size_t lane) {
  std::unique_lock lock(shared.mutex);
  for (;;) {
    shared.wake.wait(lock,
                     [&] { return shared.stopping || (!shared.paused && !shared.queue.empty()); });
    if (shared.stopping) return;
    std::shared_ptr<Job> job = std::move(shared.queue.front());
    shared.queue.pop_front();
    if (job->abandoned) continue;
    shared.running.push_back(job);
    lock.unlock();
    run(*job, lane);
    lock.lock();
    std::erase(shared.running, job);
    if (job->abandoned) {
      // Nothing to deliver; dropped here.
    } else if (job->stop) {
      // Stopped for a fork: scanned again from the start, in whichever
      // process carries the tunnel on.
      job->stop = false;
      job->finding.reset();
      shared.queue.push_front(std::move(job));
    } else {
      shared.done.push_back(std::move(job));
      finished_->wake();
    }
    if (shared.running.empty()) shared.idle.notify_all();
  }
}

void DlpScans::run(Job& job, std::size_t lane) const {
  const bottle::secrets::ScanBudget budget{std::chrono::steady_clock::now() + options_.budget,
                                           &job.stop};
  try {
    const auto& req = job.request;
    job.finding =
        job.part == Part::head
            ? dlp_.scan_head({req.target().data(), req.target().size()}, req, budget, lane)
            : dlp_.scan_body(req.body(), req, budget, lane);
  } catch (...) {
    // Out of memory, say: what could not be read is not let through.
    job.finding = DlpFinding{"dlp-unreadable-request", "the request (the scan failed)"};
  }
}

void DlpScans::deliver() {
  std::vector<std::shared_ptr<Job>> done;
  {
    std::lock_guard lock(shared_->mutex);
    done.swap(shared_->done);
  }
  for (auto& job : done) {
    if (job->abandoned) continue;
    // A Done may end its session, and with it the Pending of a later job in
    // this batch: that job's flag is read when its turn comes.
    // Each on its own: one that throws must not leave the rest of the batch
    // waiting forever.
    auto fn = std::move(job->done);
    bottle::uv::guarded("DLP scan result",
                        [&] { fn(std::move(job->request), std::move(job->finding)); });
  }
}

void DlpScans::before_fork() {
  std::unique_lock lock(shared_->mutex);
  shared_->paused = true;
  // Running scans stop at their next window (a fraction of a second) and
  // go back to the queue.
  for (const auto& job : shared_->running) job->stop = true;
  shared_->idle.wait(lock, [&] { return shared_->running.empty(); });
  // Held across the fork: the child's copy of the queue is then one no
  // worker was changing.
  lock.release();
}

void DlpScans::after_fork_in_parent() {
  shared_->paused = false;
  shared_->mutex.unlock();
  shared_->wake.notify_all();
}

void DlpScans::after_fork_in_child() {
  // The workers are gone with the fork. Their std::thread objects, and the
  // mutex (held by this thread) and condition variables they were waiting
  // on, are left as they are (leaked on purpose): joining or destroying them
  // here would wait on threads that do not exist in this process. None of
  // them was scanning (before_fork waited), so no lock inside RE2 is held.
  Shared* old = shared_.release();
  [[maybe_unused]] auto* abandoned = new std::vector<std::thread>(std::move(workers_));
  workers_.clear();
  shared_ = std::make_unique<Shared>();
  shared_->queue = std::move(old->queue);
  shared_->done = std::move(old->done);
  finished_ = new_wakeup();
  start_workers();
  if (!shared_->done.empty()) finished_->wake();
}

}  // namespace pipelock
