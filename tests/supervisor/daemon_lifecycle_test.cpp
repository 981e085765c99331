#include "daemon_lifecycle.hpp"

#include <gtest/gtest.h>

using namespace supervisor;
using namespace std::chrono_literals;

namespace {
RestartPolicy policy() {
  RestartPolicy p;
  p.backoff_initial = Millis(100);
  p.backoff_max = Millis(1000);
  p.stable_after = Millis(5000);
  p.start_limit = 4;
  return p;
}
const ExitStatus kCrash{false, 1};
const ExitStatus kClean{false, 0};
const ExitStatus kTerminated{true, 15};

// A lifecycle with a process running since t0.
DaemonLifecycle running(Clock::time_point t0, RestartPolicy p = policy()) {
  DaemonLifecycle l(p);
  EXPECT_EQ(l.start().kind, Action::spawn);
  l.spawned(t0, false);
  EXPECT_EQ(l.state(), DaemonState::running);
  return l;
}
}  // namespace

TEST(DaemonLifecycle, ACrashIsRestartedWithDoublingDelaysUpToTheCap) {
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  std::vector<long> delays;
  for (int i = 0; i < 4; ++i) {
    Action a = l.exited(t + 10ms, kCrash);
    ASSERT_EQ(a.kind, Action::schedule_restart);
    EXPECT_EQ(l.state(), DaemonState::backoff);
    delays.push_back(static_cast<long>(a.delay.count()));
    ASSERT_EQ(l.backoff_elapsed().kind, Action::spawn);
    l.spawned(t, false);
  }
  EXPECT_EQ(delays, (std::vector<long>{100, 200, 400, 800}));
  EXPECT_EQ(l.restarts(), 4);
}

TEST(DaemonLifecycle, DelayNeverExceedsTheCap) {
  RestartPolicy p = policy();
  p.start_limit = 100;
  auto t = Clock::now();
  DaemonLifecycle l = running(t, p);
  Action a;
  for (int i = 0; i < 20; ++i) {
    a = l.exited(t, kCrash);
    l.backoff_elapsed();
    l.spawned(t, false);
  }
  EXPECT_EQ(a.delay, Millis(1000));
}

TEST(DaemonLifecycle, PastTheStartLimitTheDaemonIsMarkedFailed) {
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(l.exited(t, kCrash).kind, Action::schedule_restart);
    l.backoff_elapsed();
    l.spawned(t, false);
  }
  EXPECT_EQ(l.exited(t, kCrash).kind, Action::mark_failed);
  EXPECT_EQ(l.state(), DaemonState::failed);
  EXPECT_EQ(l.backoff_elapsed().kind, Action::none);
}

TEST(DaemonLifecycle, AStableRunResetsTheBackoff) {
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  l.exited(t + 1ms, kCrash);
  l.backoff_elapsed();
  l.spawned(t + 200ms, false);
  EXPECT_EQ(l.exited(t + 300ms, kCrash).delay, Millis(200));
  l.backoff_elapsed();
  l.spawned(t + 1s, false);
  // Ran 10 s, longer than stable_after: counts as the first failure again.
  Action a = l.exited(t + 11s, kCrash);
  EXPECT_EQ(a.delay, Millis(100));
  EXPECT_EQ(l.consecutive_failures(), 1);
}

TEST(DaemonLifecycle, PolicyDecidesWhetherAnExitIsRestarted) {
  auto t = Clock::now();
  RestartPolicy p = policy();
  p.mode = RestartMode::on_failure;
  DaemonLifecycle on_failure = running(t, p);
  EXPECT_EQ(on_failure.exited(t, kClean).kind, Action::none);
  EXPECT_EQ(on_failure.state(), DaemonState::exited);

  DaemonLifecycle on_failure2 = running(t, p);
  EXPECT_EQ(on_failure2.exited(t, kCrash).kind, Action::schedule_restart);

  p.mode = RestartMode::never;
  DaemonLifecycle never = running(t, p);
  EXPECT_EQ(never.exited(t, kCrash).kind, Action::none);
  EXPECT_EQ(never.state(), DaemonState::exited);

  p.mode = RestartMode::always;
  DaemonLifecycle always = running(t, p);
  EXPECT_EQ(always.exited(t, kClean).kind, Action::schedule_restart);
}

TEST(DaemonLifecycle, RestartStopsThenSpawnsOnceTheOldProcessExited) {
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  EXPECT_EQ(l.restart_requested().kind, Action::send_stop_signal);
  EXPECT_EQ(l.state(), DaemonState::stopping);
  EXPECT_TRUE(l.restart_pending());
  EXPECT_EQ(l.exited(t, kTerminated).kind, Action::spawn);
  EXPECT_EQ(l.state(), DaemonState::starting);
  EXPECT_EQ(l.restarts(), 1);
  // A requested restart is not a failure.
  EXPECT_EQ(l.consecutive_failures(), 0);
}

TEST(DaemonLifecycle, RestartsRequestedWhileStoppingAreCoalescedIntoOne) {
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  EXPECT_EQ(l.restart_requested().kind, Action::send_stop_signal);
  for (int i = 0; i < 99; ++i) EXPECT_EQ(l.restart_requested().kind, Action::none);
  EXPECT_EQ(l.exited(t, kTerminated).kind, Action::spawn);
  EXPECT_EQ(l.restarts(), 1);
}

TEST(DaemonLifecycle, ARestartRequestedAfterTheSpawnReplacesTheNewProcessToo) {
  // The guarantee: after the last request, a process runs that was spawned after it.
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  l.restart_requested();
  ASSERT_EQ(l.exited(t, kTerminated).kind, Action::spawn);
  l.spawned(t, true);
  EXPECT_EQ(l.state(), DaemonState::starting);
  EXPECT_EQ(l.restart_requested().kind, Action::send_stop_signal);
  EXPECT_EQ(l.exited(t, kTerminated).kind, Action::spawn);
  EXPECT_EQ(l.restarts(), 2);
}

TEST(DaemonLifecycle, RestartDuringBackoffStartsAtOnceAndForgivesFailures) {
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  l.exited(t, kCrash);
  l.backoff_elapsed();
  l.spawned(t, false);
  l.exited(t, kCrash);
  ASSERT_EQ(l.state(), DaemonState::backoff);
  EXPECT_EQ(l.restart_requested().kind, Action::spawn);
  EXPECT_EQ(l.consecutive_failures(), 0);
}

TEST(DaemonLifecycle, RestartRevivesAFailedDaemon) {
  RestartPolicy p = policy();
  p.start_limit = 0;
  auto t = Clock::now();
  DaemonLifecycle l = running(t, p);
  ASSERT_EQ(l.exited(t, kCrash).kind, Action::mark_failed);
  EXPECT_EQ(l.restart_requested().kind, Action::spawn);
  EXPECT_EQ(l.state(), DaemonState::starting);
}

TEST(DaemonLifecycle, ShutdownStopsAndNothingIsRestartedAfterwards) {
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  EXPECT_EQ(l.shutdown().kind, Action::send_stop_signal);
  EXPECT_EQ(l.restart_requested().kind, Action::none);
  EXPECT_EQ(l.exited(t, kCrash).kind, Action::none);
  EXPECT_EQ(l.state(), DaemonState::stopped);
}

TEST(DaemonLifecycle, ShutdownDuringARestartDropsThePendingSpawn) {
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  l.restart_requested();
  EXPECT_EQ(l.shutdown().kind, Action::none);  // the stop signal is already on its way
  EXPECT_EQ(l.exited(t, kTerminated).kind, Action::none);
  EXPECT_EQ(l.state(), DaemonState::stopped);
}

TEST(DaemonLifecycle, ShutdownDuringBackoffCancelsTheTimer) {
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  l.exited(t, kCrash);
  EXPECT_EQ(l.shutdown().kind, Action::cancel_backoff);
  EXPECT_EQ(l.state(), DaemonState::stopped);
}

TEST(DaemonLifecycle, ReadinessTimeoutCountsAsAFailedStart) {
  auto t = Clock::now();
  DaemonLifecycle l(policy());
  l.start();
  l.spawned(t, true);
  EXPECT_EQ(l.readiness_timed_out().kind, Action::send_stop_signal);
  Action a = l.exited(t + 10ms, kTerminated);
  EXPECT_EQ(a.kind, Action::schedule_restart);
  EXPECT_EQ(l.consecutive_failures(), 1);
}

TEST(DaemonLifecycle, ReadyMovesStartingToRunning) {
  DaemonLifecycle l(policy());
  l.start();
  l.spawned(Clock::now(), true);
  EXPECT_EQ(l.state(), DaemonState::starting);
  l.ready();
  EXPECT_EQ(l.state(), DaemonState::running);
}

TEST(DaemonLifecycle, AnExecFailureIsACrashAndNeverRunning) {
  auto t = Clock::now();
  DaemonLifecycle l(policy());
  ASSERT_EQ(l.start().kind, Action::spawn);
  Action a = l.spawn_failed(t);
  EXPECT_EQ(a.kind, Action::schedule_restart);
  EXPECT_EQ(l.state(), DaemonState::backoff);
  EXPECT_EQ(l.consecutive_failures(), 1);
}

TEST(DaemonLifecycle, ADaemonWhoseGroupOutlivesItIsStoppedThenJudgedByItsOwnExit) {
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  // Its process crashed; its children live on: they are stopped first.
  EXPECT_EQ(l.main_process_exited().kind, Action::send_stop_signal);
  EXPECT_EQ(l.state(), DaemonState::stopping);
  EXPECT_TRUE(l.process_alive());
  // Once the group is gone, the crash counts as a crash.
  Action a = l.exited(t + 10ms, kCrash);
  EXPECT_EQ(a.kind, Action::schedule_restart);
  EXPECT_EQ(l.consecutive_failures(), 1);
}

TEST(DaemonLifecycle, WhileARestartStopsTheGroupTheMainExitChangesNothing) {
  auto t = Clock::now();
  DaemonLifecycle l = running(t);
  ASSERT_EQ(l.restart_requested().kind, Action::send_stop_signal);
  EXPECT_EQ(l.main_process_exited().kind, Action::none);  // the stop timer is already running
  EXPECT_EQ(l.exited(t + 10ms, kTerminated).kind, Action::spawn);
  EXPECT_EQ(l.consecutive_failures(), 0);
}

TEST(DaemonLifecycle, AFailedKeepRunningDaemonIsRetriedAfterTheDelayWithItsFailuresForgiven) {
  auto t = Clock::now();
  RestartPolicy p = policy();
  p.start_limit = 1;
  p.failed_retry = Millis(60'000);
  DaemonLifecycle l = running(t, p);
  ASSERT_EQ(l.exited(t + 1ms, kCrash).kind, Action::schedule_restart);
  ASSERT_EQ(l.backoff_elapsed().kind, Action::spawn);
  l.spawned(t + 2ms, false);
  Action failed = l.exited(t + 3ms, kCrash);
  ASSERT_EQ(failed.kind, Action::mark_failed);
  EXPECT_EQ(failed.delay, Millis(60'000));
  EXPECT_EQ(l.failed_retry_elapsed().kind, Action::spawn);
  EXPECT_EQ(l.consecutive_failures(), 0);
  EXPECT_EQ(l.state(), DaemonState::starting);
}

TEST(DaemonLifecycle, AShutdownDaemonIsNeverRetriedAndShutdownCancelsAPendingRetry) {
  auto t = Clock::now();
  RestartPolicy p = policy();
  p.start_limit = 0;
  p.on_failed = FailedAction::shutdown_bundle;
  DaemonLifecycle l = running(t, p);
  Action failed = l.exited(t + 1ms, kCrash);
  ASSERT_EQ(failed.kind, Action::mark_failed);
  EXPECT_EQ(failed.delay, Millis(0));

  p.on_failed = FailedAction::keep_running;
  DaemonLifecycle k = running(t, p);
  ASSERT_EQ(k.exited(t + 1ms, kCrash).kind, Action::mark_failed);
  EXPECT_EQ(k.shutdown().kind, Action::cancel_backoff);
  EXPECT_EQ(k.failed_retry_elapsed().kind, Action::none);
}
