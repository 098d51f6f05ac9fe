// Size of the runtime's thread pool, which runs the Parallel loops of every kernel
// (tessera_parallel_for in kernel_abi.h).
//
// The pool starts lazily on the first parallel loop with TESSERA_NUM_THREADS threads
// (the calling thread counts as one), or std::thread::hardware_concurrency() when that
// variable is unset or not a positive integer.
#pragma once

namespace tessera::runtime {

// Threads a parallel loop uses, the caller included (>= 1).
int num_threads();

// Resizes the pool; n < 1 restores the default (environment or hardware). Waits for a
// parallel loop in flight to finish. Throws std::logic_error when called from inside a
// parallel loop body.
void set_num_threads(int n);

}  // namespace tessera::runtime
