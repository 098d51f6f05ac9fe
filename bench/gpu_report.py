"""Joins gpu_bench's JSON (tessera) and gpu_peers.py's JSON (PyTorch, torch.compile, CuPy),
measured in one run on one GPU, into a Markdown table and a combined JSON:

    python3 bench/gpu_report.py tessera.json peers.json out.md out.json [title]

Each row: tessera's GB/s, its % of the copy bandwidth tessera measured, and each peer's
GB/s and tessera's ratio to it (> 1: tessera faster).
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
    lines = [f"# {title}", "", f"Device: {ours['device']}; {ours['elements']} elements per operand "
             f"(8192 x 8192 for 2-D rows); median of {ours['repeats']} launches timed with CUDA events; "
             "GB/s count bytes read plus written once. % copy: of tessera's device-to-device copy in the "
             "same run.", ""]
    head = "| operation | tessera GB/s | % of copy |"
    sep = "| --- | ---: | ---: |"
    for lib in libs:
        head += f" {lib} GB/s | tessera / {lib} |"
        sep += " ---: | ---: |"
    lines += [head, sep]
    rows = []
    for r in ours["rows"]:
        line = f"| {r['name']} | {r['gb_per_s']:.0f} | {100 * r['gb_per_s'] / copy:.1f}% |"
        entry = dict(r, pct_of_copy=100 * r["gb_per_s"] / copy, peers={})
        for lib in libs:
            p = by_lib[lib].get(r["name"])
            if p:
                ratio = r["gb_per_s"] / p["gb_per_s"]
                line += f" {p['gb_per_s']:.0f} | {ratio:.2f} |"
                entry["peers"][lib] = {"gb_per_s": p["gb_per_s"], "ms": p["ms"], "ratio": ratio}
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
