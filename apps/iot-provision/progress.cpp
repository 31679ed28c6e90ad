// SPDX-License-Identifier: Apache-2.0
#include "iot-provision/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "batch/progress.hpp"

namespace prov {
namespace {

// Set by the SIGWINCH handler, read (and cleared) by the drawer: the only thing the
// handler does, so it is async-signal-safe.
std::atomic<bool> g_resized{false};
static_assert(std::atomic<bool>::is_always_lock_free);

struct sigaction g_old_winch {};

extern "C" void on_winch(int) {
  g_resized.store(true, std::memory_order_relaxed);
}

std::size_t stderr_columns() {
  struct winsize ws {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 0;  // a terminal that does not say: the layout's default
}

bool dumb_terminal() {
  const char* term = std::getenv("TERM");
  return term == nullptr || *term == '\0' || std::string_view(term) == "dumb";
}

}  // namespace

Progress::Progress(std::string what, std::size_t total)
    : what_(std::move(what)),
      total_(total),
      mode_(::isatty(STDERR_FILENO) != 1 ? Mode::plain
            : dumb_terminal()            ? Mode::plain_tty
                                         : Mode::redraw),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {
  if (mode_ == Mode::plain) return;
  struct sigaction sa {};
  sa.sa_handler = on_winch;
  sa.sa_flags = SA_RESTART;  // no EINTR for the registry's and the files' system calls
  sigemptyset(&sa.sa_mask);
  g_resized.store(false);
  handler_installed_ = ::sigaction(SIGWINCH, &sa, &g_old_winch) == 0;
  columns_ = stderr_columns();
}

Progress::~Progress() {
  if (handler_installed_) ::sigaction(SIGWINCH, &g_old_winch, nullptr);
}

std::string Progress::line(std::size_t done) const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  pki::batch::ProgressState s;
  s.what = what_;
  s.done = done;
  s.total = total_;
  s.rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  s.eta_seconds = s.rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / s.rate : -1;
  if (mode_ == Mode::redraw) return pki::batch::progress_bar_line(s, columns_);
  return pki::batch::progress_plain_line(s, mode_ == Mode::plain_tty ? columns_ : 0);
}

void Progress::draw(std::size_t done, bool last) {
  if (mode_ != Mode::plain && g_resized.exchange(false, std::memory_order_relaxed)) {
    columns_ = stderr_columns();
  }
  if (mode_ == Mode::redraw) {
    std::cerr << "\r\033[K" << line(done) << (last ? "\n" : "") << std::flush;
  } else {
    std::cerr << line(done) << "\n" << std::flush;
  }
}

void Progress::update(std::size_t done) {
  const auto now = std::chrono::steady_clock::now();
  const auto every =
      mode_ == Mode::redraw ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  // A resized terminal gets its redraw at once, in the new width.
  const bool resized = mode_ == Mode::redraw && g_resized.load(std::memory_order_relaxed);
  if (!resized && now - last_ < every) return;
  last_ = now;
  draw(done, false);
}

void Progress::finish(std::size_t done) {
  draw(done, true);
}

ProgressThread::ProgressThread(std::string what, std::size_t total,
                               const std::atomic<std::size_t>& done)
    : progress_(std::move(what), total), done_(done) {
  thread_ = std::jthread([this](std::stop_token stop) {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, stop, std::chrono::milliseconds(50), [] { return false; })) {
      if (stop.stop_requested()) return;
      progress_.update(done_.load());
    }
  });
}

void ProgressThread::finish() {
  if (finished_) return;
  finished_ = true;
  thread_.request_stop();
  thread_.join();
  progress_.finish(done_.load());
}

ProgressThread::~ProgressThread() {
  finish();
}

}  // namespace prov
