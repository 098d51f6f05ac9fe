// Progress of an ahead-of-time build on stderr: kernels done of total, elapsed time and an
// estimate of the time left. On a terminal one line updates in place (at most 5 times a
// second); otherwise a line is printed every 10 seconds, so build logs stay short.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "tessera/ops/aot.h"

namespace tessera::ops::aot::detail {

class ProgressLine {
 public:
  ProgressLine(int64_t total, Progress mode);
  void done(bool compiled);  // one kernel finished (compiled, or found in the cache)
  void finish();             // ends the updating line
  double elapsed() const;

 private:
  void print_locked(bool final_line);

  std::mutex mu_;
  const int64_t total_;
  int64_t done_ = 0, compiled_ = 0;
  bool tty_ = false, enabled_ = true;
  std::chrono::steady_clock::time_point start_, last_print_;
};

// "2 min 05 s", "14.2 s"
std::string format_seconds(double s);

}  // namespace tessera::ops::aot::detail
