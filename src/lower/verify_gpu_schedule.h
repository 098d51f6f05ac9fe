// GPU schedule check: can this loop nest run as one CUDA kernel launch?
//
// Only thread-bound loops (Stage::bind) become the launch's grid and block; everything else
// runs inside one GPU thread. So, when the nest has thread-bound loops, every store must lie
// inside loops bound to every thread tag the nest uses (otherwise threads race on it), no
// other loop may enclose a thread-bound loop (it would have to run on the host), a tag may
// not be bound twice on one path, threadIdx extents must be constants whose product is at
// most 1024 (the hardware's block limit), and parallel() loops (CPU threads) are refused.
// Stores to "local" memory are exempt (each thread keeps its own copy, e.g. an accumulator).
// The nests of one kernel run concurrently, so a nest may not read global memory that an
// earlier nest writes (the producer must be computed inside its reader's thread loops).
// Storage the kernel allocates (intermediates) must be "local" or "shared" and of constant
// size: a kernel declares it; global memory comes only from arguments.
// A nest without any loop (a rank-0 stage) runs on a single thread. Errors are
// schedule::ScheduleError naming the stage (the buffer the loop stores to) and the axis.
#pragma once
#include "tessera/ir/stmt.h"

namespace tessera::lower {
// Returns s unchanged, or throws schedule::ScheduleError.
ir::Stmt verify_gpu_schedule(const ir::Stmt& s);
}
