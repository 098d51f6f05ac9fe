#include "ops/aot_progress.h"

#include <unistd.h>

#include <cstdio>

namespace tessera::ops::aot::detail {

std::string format_seconds(double s) {
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.1f s", s);
  else std::snprintf(buf, sizeof buf, "%d min %02d s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}

ProgressLine::ProgressLine(int64_t total, Progress mode)
    : total_(total), start_(std::chrono::steady_clock::now()), last_print_(start_) {
  enabled_ = mode != Progress::Off;
  tty_ = mode == Progress::Auto && ::isatty(STDERR_FILENO);
}

double ProgressLine::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressLine::done(bool compiled) {
  std::lock_guard<std::mutex> lock(mu_);
  ++done_;
  compiled_ += compiled;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  auto interval = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10000);
  if (now - last_print_ >= interval) {
    last_print_ = now;
    print_locked(false);
  }
}

void ProgressLine::finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (enabled_) print_locked(true);
}

void ProgressLine::print_locked(bool final_line) {
  double t = elapsed();
  std::string eta = done_ > 0 && done_ < total_ ? ", ~" + format_seconds(t / done_ * (total_ - done_)) + " left" : "";
  std::fprintf(stderr, "%s[tessera-aot] %lld/%lld kernels (%lld compiled, %lld cached), %s elapsed%s%s",
               tty_ ? "\r" : "", static_cast<long long>(done_), static_cast<long long>(total_),
               static_cast<long long>(compiled_), static_cast<long long>(done_ - compiled_),
               format_seconds(t).c_str(), eta.c_str(), tty_ ? "\x1b[K" : "\n");
  if (tty_ && final_line) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace tessera::ops::aot::detail
