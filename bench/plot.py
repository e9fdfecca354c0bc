"""PNG plots of a bench/run report, for `bench/run --plot DIR`.

bench/run runs this with a Python that has matplotlib (Debian's
python3-matplotlib may sit in another interpreter than bench/run's), and
passes its results as JSON.  Plots only the sections that ran.
Usage: plot.py RESULTS.json DIR
"""
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")  # files only: no display
import matplotlib.pyplot as plt  # noqa: E402


def save(fig, out_dir, name):
    path = os.path.join(out_dir, name)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"plot: {path}")


def harness(res, out_dir):
    labels = ["(a) bare API", "(b) harness", "(c) harness, ASan+UBSan"]
    values = [res["none"]["generated bare execs"],
              res["none"]["generated harness execs"],
              res["address"]["generated harness execs"]]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.bar(labels, values, color=["#999999", "#3366aa", "#aa5533"])
    ax.set_ylabel("executions per CPU-second (generated 16-op sequences)")
    ax.set_title("ratio harness/bare: "
                 f"{res['none']['generated ratio']:.3f}")
    save(fig, out_dir, "harness.png")


def scaling(res, out_dir):
    res = res["cases"]
    fig, (by_len, by_size) = plt.subplots(1, 2, figsize=(11, 4))
    lengths = sorted((int(c.split("-")[1]), c) for c in res
                     if c.startswith("length-"))
    xs = [n for n, _ in lengths]
    for key, label in (("bare-us", "bare API"), ("harness-us", "harness"),
                       ("oracle", "oracle = harness - bare")):
        by_len.plot(xs, [res[c][key] for _, c in lengths], marker="o",
                    label=label)
    by_len.set_xlabel("ops per sequence")
    by_len.set_ylabel("CPU us per execution")
    by_len.set_xticks(xs)
    by_len.legend()
    by_len.set_title("against sequence length")
    cases = [c for c in res if c.startswith("map-")]
    pos = range(len(cases))
    by_size.bar([p - 0.2 for p in pos], [res[c]["bare-us"] for c in cases],
                width=0.4, label="bare API")
    by_size.bar([p + 0.2 for p in pos], [res[c]["harness-us"] for c in cases],
                width=0.4, label="harness")
    by_size.set_xticks(list(pos))
    by_size.set_xticklabels([f"{c[4:]}\n{res[c]['entries']} entries"
                             for c in cases], fontsize=8)
    by_size.set_ylabel("CPU us per execution (map, wrprotect, unmap)")
    by_size.legend()
    by_size.set_title("against bytes mapped")
    save(fig, out_dir, "scaling.png")


def detect(res, out_dir):
    names = list(res)
    fuzz = [median([f for _, f, _ in res[n]["fuzz"] if f is not None])
            for n in names]
    gate = [median([t for t, _, _ in res[n]["gate"]]) for n in names]
    pos = range(len(names))
    fig, ax = plt.subplots(figsize=(max(6, 1.5 * len(names)), 4))
    ax.bar([p - 0.2 for p in pos], fuzz, width=0.4,
           label="s2fuzz fuzz: to NEW FINDING")
    ax.bar([p + 0.2 for p in pos], gate, width=0.4,
           label="s2fuzz gate: to verdict")
    ax.set_xticks(list(pos))
    ax.set_xticklabels(names, rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("wall seconds (median)")
    ax.legend()
    ax.set_title("time to detect planted bugs")
    save(fig, out_dir, "detect.png")


def median(values):
    """Of the runs that found the bug; 0 if none did."""
    return statistics.median(values) if values else 0


def main():
    with open(sys.argv[1]) as f:
        res = json.load(f)
    for section, plot in (("harness", harness), ("scaling", scaling),
                          ("detect", detect)):
        if section in res:
            plot(res[section], sys.argv[2])


if __name__ == "__main__":
    main()
