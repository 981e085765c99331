#include "dlp_scans.hpp"

#include <algorithm>

#include "bottle/uv/callback_guard.hpp"

namespace pipelock {

struct DlpScans::Job {
  Part part;
  Request request;
  Done done;
  std::optional<DlpFinding> finding;
  bool cancelled = false;  // the loop's thread only
};

DlpScans::Pending::~Pending() { job_->cancelled = true; }

DlpScans::DlpScans(bottle::uv::Loop& loop, const RequestDlp& dlp, Options options)
    : dlp_(dlp),
      options_(options),
      shared_(std::make_unique<Shared>()),
      finished_(loop, [this] { deliver(); }) {
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
  return std::make_unique<Pending>(std::move(job));
}

void DlpScans::work(Shared& shared, std::size_t lane) {
  std::unique_lock lock(shared.mutex);
  for (;;) {
    shared.wake.wait(lock, [&] { return shared.stopping || !shared.queue.empty(); });
    if (shared.stopping) return;
    std::shared_ptr<Job> job = std::move(shared.queue.front());
    shared.queue.pop_front();
    shared.running.push_back(job);
    lock.unlock();
    run(*job, lane);
    lock.lock();
    std::erase(shared.running, job);
    shared.done.push_back(std::move(job));
    finished_.wake();
  }
}

void DlpScans::run(Job& job, std::size_t lane) const {
  const bottle::secrets::ScanBudget budget{std::chrono::steady_clock::now() + options_.budget};
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
    if (job->cancelled) continue;
    // A Done may end its session, and with it the Pending of a later job in
    // this batch: that job's flag is read when its turn comes.
    // Each on its own: one that throws must not leave the rest of the batch
    // waiting forever.
    auto fn = std::move(job->done);
    bottle::uv::guarded("DLP scan result",
                        [&] { fn(std::move(job->request), std::move(job->finding)); });
  }
}

void DlpScans::before_fork() { shared_->mutex.lock(); }

void DlpScans::after_fork_in_parent() { shared_->mutex.unlock(); }

void DlpScans::after_fork_in_child() {
  // The workers are gone with the fork. Their std::thread objects, and the
  // mutex and condition variable they may have been waiting on, are left
  // as they are (leaked on purpose): joining or destroying them here would
  // wait on threads that do not exist in this process.
  Shared* old = shared_.release();
  [[maybe_unused]] auto* abandoned = new std::vector<std::thread>(std::move(workers_));
  workers_.clear();
  shared_ = std::make_unique<Shared>();
  shared_->queue.assign(old->running.begin(), old->running.end());
  shared_->queue.insert(shared_->queue.end(), old->queue.begin(), old->queue.end());
  shared_->done = std::move(old->done);
  start_workers();
  if (!shared_->done.empty()) finished_.wake();
}

}  // namespace pipelock
