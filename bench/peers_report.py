"""Writes the results of bench/peers.py: a Markdown table, the JSON behind it and a bar chart."""
import json
import os

from peers_common import REDUCTIONS, work

LABELS = {"tessera": "tessera", "numpy": "NumPy", "numexpr": "numexpr", "tvm": "TVM", "halide": "Halide"}


def ceiling(name, unit, c):
    """(label, value) of the machine's ceiling for a case, measured in the same run."""
    if unit == "GFLOP/s":
        return "FMA peak", c["fma_peak_GFLOPs"]
    if name in REDUCTIONS:
        return "read", c["read_GBps"]
    return "copy", c["copy_GBps"]


def throughput(name, sizes, r):
    unit, amount = work(name, sizes)
    return amount / r["seconds"] / 1e9 if r and "seconds" in r else None


def fmt(v, digits=1):
    return "-" if v is None else f"{v:.{digits}f}"


def markdown(meta, names, sizes, systems):
    c, peers = meta["ceilings"], [s for s in systems if s != "tessera"]
    lines = [
        f"# tessera and its peers, {meta['date']}, {meta['machine']} ({meta['threads']} threads)",
        "",
        f"float32; elementwise and sums on {sizes.rows} x {sizes.cols} ({sizes.n} elements); median of "
        f"{sizes.reps} after warm-up; GB/s count bytes read + written. Every result was checked against "
        "NumPy before it was timed.",
        "",
        f"Ceilings measured in this run: copy {c['copy_GBps']:.1f} GB/s and read {c['read_GBps']:.1f} GB/s "
        f"({c['threads']} threads), FMA loop {c['fma_peak_GFLOPs']:.0f} GFLOP/s, OpenBLAS sgemm "
        f"{c['blas_GFLOPs']:.0f} GFLOP/s (practical peak).",
        "",
        f"tessera {meta.get('commit') or '(unknown commit)'}; "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v),
        "",
    ]
    if meta.get("note"):
        lines += [f"**Note:** {meta['note']}", ""]
    head = ["case", "unit", "ceiling", "tessera"] + [LABELS[p] for p in peers]
    head += [f"tessera / {LABELS[p]}" for p in peers] + ["tessera / ceiling"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    errors = []
    for name in names:
        unit, _ = work(name, sizes)
        label, cval = ceiling(name, unit, c)
        vals = {s: throughput(name, sizes, systems[s].get(name)) for s in systems}
        for s in systems:
            if "error" in systems[s].get(name, {}):
                errors.append(f"- {LABELS[s]}, {name}: {systems[s][name]['error']}")
        ts = vals["tessera"]
        row = [name, unit, f"{label} {cval:.0f}", fmt(ts)] + [fmt(vals[p]) for p in peers]
        row += [fmt(ts / vals[p] if ts and vals[p] else None, 2) for p in peers]
        row += [f"{100 * ts / cval:.0f}%" if ts else "-"]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## JIT compile time per kernel (ms)", "",
              "tessera: lowering + LLVM (for built-in operators: first call minus a timed call); TVM: "
              "create_prim_func + schedule + tvm.compile; Halide: definition + schedule + compile_jit. Each system "
              "compiles one small kernel, untimed, before these.", ""]
    jit_systems = [s for s in ["tessera", "tvm", "halide"] if s in systems]
    lines += ["| case | " + " | ".join(LABELS[s] for s in jit_systems) + " |", "|---|" + "---|" * len(jit_systems)]
    for name in names:
        cells = [fmt(systems[s].get(name, {}).get("jit_ms")) for s in jit_systems]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if meta["unavailable"] or errors:
        lines += ["", "## Not measured", ""]
        lines += [f"- {LABELS.get(p, p)}: {why}" for p, why in meta["unavailable"].items()]
        lines += errors
    return "\n".join(lines) + "\n"


def chart(path, meta, names, sizes, systems):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = meta["ceilings"]
    groups = [("GB/s", [n for n in names if work(n, sizes)[0] == "GB/s"]),
              ("GFLOP/s", [n for n in names if work(n, sizes)[0] == "GFLOP/s"])]
    fig, axes = plt.subplots(1, 2, figsize=(15, 5), gridspec_kw={"width_ratios": [4, 1]})
    width = 0.8 / len(systems)
    for ax, (unit, cases) in zip(axes, groups):
        for k, s in enumerate(systems):
            vals = [throughput(n, sizes, systems[s].get(n)) or 0 for n in cases]
            ax.bar([i + k * width for i in range(len(cases))], vals, width, label=LABELS[s])
        ax.set_xticks([i + width * (len(systems) - 1) / 2 for i in range(len(cases))])
        ax.set_xticklabels(cases, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(unit)
        if unit == "GB/s":
            ax.axhline(c["copy_GBps"], color="gray", ls="--", lw=1, label="copy bandwidth")
        else:
            ax.axhline(c["fma_peak_GFLOPs"], color="gray", ls="--", lw=1, label="FMA peak")
            ax.axhline(c["blas_GFLOPs"], color="gray", ls=":", lw=1, label="OpenBLAS")
        ax.legend(fontsize=7)
    fig.suptitle(f"tessera and peers, float32, {meta['machine']}, {meta['threads']} threads, {meta['date']}"
                 + (" (quick sizes)" if meta["quick"] else ""))
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_report(out_dir, meta, names, sizes, systems):
    os.makedirs(out_dir, exist_ok=True)
    base = os.path.join(out_dir, f"{meta['date']}-{meta['machine']}-peers")
    results = {n: {s: dict(systems[s].get(n, {}), **({"throughput": throughput(n, sizes, systems[s].get(n))}
                                                  if throughput(n, sizes, systems[s].get(n)) else {}))
                   for s in systems} for n in names}
    with open(base + ".json", "w") as fh:
        json.dump(dict(meta, units={n: work(n, sizes)[0] for n in names}, results=results), fh, indent=2)
    md = markdown(meta, names, sizes, systems)
    with open(base + ".md", "w") as fh:
        fh.write(md)
    print(md)
    paths = [base + ".md", base + ".json"]
    try:
        chart(base + ".png", meta, names, sizes, systems)
        paths.append(base + ".png")
    except ImportError as e:
        print(f"no chart: {e}")
    return paths
