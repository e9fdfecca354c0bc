"""bench/run's schedules section: thread schedules run per second, the
schedules it takes to find the planted races, and the fault windows of
coalescing on 6.1 and 6.12 (the simulated MMU's count)."""
import os
import re
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
S2FUZZ = os.path.join(ROOT, "s2fuzz")
SEEDS = os.path.join(ROOT, "corpus", "seeds")
SCENARIO = os.path.join(SEEDS, "parallel-faults.s2")
# Each planted race, and the reproducer whose schedules are fuzzed for it.
PLANTED = (("6.12-lost-update-shared-store", "race-table-install.s2"),
           ("6.12-free-before-unlink", "race-coalesce.s2"))
WINDOWS = ("coalesce-window.s2", "race-coalesce.s2")
MODES = (("bytes", ()), ("PCT, depth 3", ("--pct", "3")))
FIND_CAP = 5000  # schedules tried before giving up on a planted race
FOUND = re.compile(r"^# schedule \d+ \((\d+) tried\)", re.M)
RATE = re.compile(r"(\d+) schedules/s")
WINDOW = re.compile(r"^FAULT-WINDOW (\S+) op (\d+) `([^`]*)`: (\d+) of (\d+)",
                    re.M)


def _sweep(kernels, path, count, seed, sanitizer, mode):
    return subprocess.run(
        [S2FUZZ, "replay", "--kernels", kernels, "--sanitizer", sanitizer,
         "--schedules", str(count), "--seed", str(seed), *mode, path],
        capture_output=True, text=True)


def _rate(count, sanitizer, mode):
    """Schedules per second of wall time, both kernels, the scenario: the
    sweep's own figure, which leaves out starting the process (a third of
    a 1000-schedule run's wall time once sections got fast)."""
    proc = _sweep("linux-6.1,linux-6.12", SCENARIO, count, 1, sanitizer,
                  mode)
    rates = RATE.findall(proc.stderr)
    if proc.returncode or not rates:
        raise RuntimeError(f"schedule sweep failed: {proc.stdout[-500:]}"
                           f"{proc.stderr[-500:]}")
    return int(rates[-1])


def _tried(bug, seedfile, seed, mode):
    """Schedules tried until the planted race was found, or None."""
    spec = f"linux-6.12+tests/patches/{bug}.patch"
    proc = _sweep(spec, os.path.join(SEEDS, seedfile), FIND_CAP, seed,
                  "address", mode)
    m = FOUND.search(proc.stdout)
    return int(m.group(1)) if proc.returncode == 1 and m else None


def _windows():
    rows = []
    for name in WINDOWS:
        proc = subprocess.run([S2FUZZ, "replay", "--fault-window",
                               os.path.join(SEEDS, name)],
                              capture_output=True, text=True)
        for kernel, op, text, faults, walks in WINDOW.findall(proc.stdout):
            rows.append((name, kernel, int(op), text, int(faults),
                         int(walks)))
    return rows


def run(cfg, log):
    # Build every binary first, so that no sweep is timed with a build.
    for sanitizer in ("none", "address"):
        _sweep("linux-6.1,linux-6.12", SCENARIO, 1, 1, sanitizer, ())
    for bug, seedfile in PLANTED:
        _tried(bug, seedfile, 1, ())
    rates = {}
    for sanitizer in ("none", "address"):
        for name, mode in MODES:
            values = []
            for i in range(cfg.runs):
                log(f"schedules: {sanitizer}, {name}: run {i + 1}/{cfg.runs}")
                values.append(_rate(cfg.schedules, sanitizer, mode))
            rates[f"{sanitizer}/{name}"] = statistics.median(values)
    found = {}
    for bug, seedfile in PLANTED:
        for name, mode in MODES:
            log(f"schedules: finding {bug}, {name}")
            found[f"{bug}/{name}"] = [_tried(bug, seedfile, seed, mode)
                                      for seed in cfg.seeds]
    return {"rates": rates, "found": found, "windows": _windows()}


def _found_text(values):
    hits = [v for v in values if v is not None]
    if len(hits) < len(values):
        return f"found in {len(hits)}/{len(values)}"
    return f"{statistics.median(hits):,.0f}"


def report(res, cfg, table, of_runs):
    lines = [f"Thread schedules: corpus/seeds/parallel-faults.s2 on "
             f"linux-6.1 and linux-6.12 ({cfg.schedules} schedules a run; "
             f"{of_runs(cfg.runs)}; wall time of the sweep, as `replay "
             f"--schedules` reports it: build and process start excluded)"]
    rows = [(f"schedules/s, {mode}",
             *(f"{res['rates'][f'{s}/{mode}']:,.0f}"
               for s in ("none", "address")))
            for mode, _ in MODES]
    lines += table(("", "no sanitizer", "ASan+UBSan"), rows)
    lines += ["", f"Schedules to find the planted races (ASan+UBSan, "
              f"linux-6.12 patched; median over seeds "
              f"{','.join(map(str, cfg.seeds))}; up to {FIND_CAP})"]
    rows = [(bug, seedfile,
             *(_found_text(res["found"][f"{bug}/{mode}"])
               for mode, _ in MODES))
            for bug, seedfile in PLANTED]
    lines += table(("planted bug", "reproducer", *(m for m, _ in MODES)),
                   rows)
    lines += ["", "Fault windows (replay --fault-window): translations by "
              "the simulated MMU, at every yield point, of IPAs mapped "
              "before and after the op; deterministic"]
    rows = [(f"{name} op {op}", kernel, f"{faults:,}", f"{walks:,}")
            for name, kernel, op, _, faults, walks in res["windows"]]
    lines += table(("scenario", "kernel", "faulted", "translations"), rows)
    return lines
