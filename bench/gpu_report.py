"""Joins gpu_bench's JSON (tessera) and gpu_peers.py's JSON (PyTorch, torch.compile, CuPy),
measured in one run on one GPU, into a Markdown table and a combined JSON:

    python3 bench/gpu_report.py tessera.json peers.json out.md out.json [title]

Each row: tessera's GB/s, its % of the copy bandwidth tessera measured, and each peer's
GB/s and tessera's ratio to it (> 1: tessera faster). Matmul rows are in TFLOP/s and their
ceiling is cuBLAS (PyTorch's float32 matmul measured in the same run).
"""
import json
import sys


def main():
    ours_path, peers_path, md_path, json_path = sys.argv[1:5]
    title = sys.argv[5] if len(sys.argv) > 5 else "GPU benchmark"
    ours = json.load(open(ours_path))
    try:
        peers = json.load(open(peers_path))
    except (OSError, ValueError):
        peers = {"libs": {}}
    libs = [lib for lib, rows in peers["libs"].items() if isinstance(rows, list) and rows]
    by_lib = {lib: {r["name"]: r for r in peers["libs"][lib]} for lib in libs}
    copy = ours["rows"][0]["gb_per_s"]

    def rate(r):  # (value, unit) of a row: TFLOP/s for matmul rows, else GB/s
        if r.get("flops"):
            return r["flops"] / r["ms"] / 1e9, "TFLOP/s"
        return r["gb_per_s"], "GB/s"

    lines = [f"# {title}", "", f"Device: {ours['device']}; {ours['elements']} elements per operand "
             f"(8192 x 8192 for 2-D rows); median of {ours['repeats']} launches timed with CUDA events; "
             "GB/s count bytes read plus written once. % copy: of tessera's device-to-device copy in the "
             "same run; matmul rows: TFLOP/s and % of cuBLAS (PyTorch's float32 matmul, no TF32) in the same run.", ""]
    head = "| operation | tessera | % of copy (matmul: of cuBLAS) |"
    sep = "| --- | ---: | ---: |"
    for lib in libs:
        head += f" {lib} | tessera / {lib} |"
        sep += " ---: | ---: |"
    lines += [head, sep]
    rows = []
    cublas = by_lib.get("torch", {})
    for r in ours["rows"]:
        value, unit = rate(r)
        if unit == "TFLOP/s":
            ref = cublas.get(r["name"])
            pct = 100 * value / rate(ref)[0] if ref else float("nan")
            entry = dict(r, pct_of_cublas=pct, peers={})
        else:
            pct = 100 * value / copy
            entry = dict(r, pct_of_copy=pct, peers={})
        digits = 2 if unit == "TFLOP/s" else 0
        line = f"| {r['name']} | {value:.{digits}f} {unit} | {pct:.1f}% |"
        if r.get("error"):
            line = line.replace(f"| {r['name']} |", f"| {r['name']} (WRONG: {r['error']}) |")
        for lib in libs:
            p = by_lib[lib].get(r["name"])
            if p:
                pv = rate(p)[0]
                ratio = value / pv
                line += f" {pv:.{digits}f} | {ratio:.2f} |"
                entry["peers"][lib] = {"value": pv, "unit": unit, "ms": p["ms"], "ratio": ratio}
            else:
                line += " - | - |"
        lines.append(line)
        rows.append(entry)
    for lib in peers["libs"]:
        if lib.endswith("_error"):
            lines += ["", f"{lib[:-6]} failed: {peers['libs'][lib]}"]
    open(md_path, "w").write("\n".join(lines) + "\n")
    json.dump({"device": ours["device"], "torch": peers.get("torch"), "rows": rows}, open(json_path, "w"), indent=2)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
