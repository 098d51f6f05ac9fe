"""tessera beside its peers on this CPU, in one run.

Runs the cases of bench/peers_common.py (elementwise, broadcasting, sums, softmax, matmul;
float32) on tessera (build/peer_cases), NumPy with OpenBLAS, numexpr, TVM and Halide (the
last two with the same compute definitions and schedules as tessera's), checks every result
against NumPy before timing it, measures the machine's copy bandwidth and peak FLOP/s in
the same run, and writes bench/results/<date>-<machine>-peers.{md,json,png}.

Usage (peers from bench/requirements-peers.txt, e.g. `scripts/install_deps.sh --peers`):
  .venv/bin/python bench/peers.py [--quick] [--binary build/peer_cases] [--threads 2]
--quick uses small sizes (for development; its numbers mean little) and writes to /tmp.
"""
import argparse
import os
import sys

THREADS_ENV = ["TESSERA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TVM_NUM_THREADS",
               "HL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMEXPR_MAX_THREADS", "NUMBA_NUM_THREADS"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--quick", action="store_true", help="small sizes, results to /tmp")
    p.add_argument("--binary", default=os.path.join(here, "..", "build", "peer_cases"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--peers", default="numpy,numexpr,tvm,halide", help="comma-separated subset")
    p.add_argument("--out", help="results folder (default bench/results, or /tmp with --quick)")
    p.add_argument("--machine", help="machine name in the file names (default: host name)")
    p.add_argument("--note", help="a remark for the report, e.g. that the machine was busy")
    return p.parse_args()


def main():
    args = parse_args()
    # Thread counts are read when the libraries load, so they are set before any import.
    for var in THREADS_ENV:
        os.environ[var] = str(args.threads)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from peers_run import run_all

    run_all(args)


if __name__ == "__main__":
    main()
