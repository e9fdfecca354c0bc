"""`s2fuzz fuzz --tsan`: ThreadSanitizer over free-running vCPU threads.

libFuzzer's fork mode hangs under ThreadSanitizer, and a race need not
recur on the same input, so this mode does not use an engine: it runs the
ThreadSanitizer build of s2replay over generated sequences (one in four
ends with a concurrent section), a chunk of seeds per process, until --time
or --runs.  A race stops the process, which prints the sequence it was
running; that sequence, or the first oracle finding, is kept in results/
as it came (minimizing needs the race to recur).
"""
import os
import re
import subprocess
import sys
import time

from . import fuzz, triage

CHUNK = 200  # sequences per process: a race costs the rest of its chunk
STOPPED = re.compile(r"^# s2replay: the sanitizer stopped this sequence:\n"
                     r"(.*?)^# s2replay: end of the sequence$", re.M | re.S)
SEED_FOUND = re.compile(r"^# seed (\d+): \S+\n(.*?)(?=^FINDING )", re.M | re.S)


def _reproducer(out, err):
    """The sequence a stopped or failed sweep ran, as text."""
    m = STOPPED.search(err) or SEED_FOUND.search(out)
    if m:
        return m.group(m.lastindex)
    return "# (the sequence was not printed)\n"


def _report(sig, tools, seed, output):
    excerpt = "\n".join(output.splitlines()[:80])
    return f"""# {sig}

Found by `s2fuzz fuzz --tsan` on `{tools.kernels_arg}`: generated sequences
from seed {seed}, their concurrent sections' threads running free under
ThreadSanitizer.  A race depends on how the threads overlapped: replay a few
times.

## Replay

    ./s2fuzz replay --tsan --kernels {tools.kernels_arg} results/{sig}/repro.s2

## Report

```
{excerpt}
```
"""


def session(args, kernels, strict, build_dir):
    """Returns the exit status as `s2fuzz fuzz` does."""
    tools = fuzz.triage_tools("thread", kernels, strict, build_dir)
    results = triage.Results(args.results)
    print(f"fuzz --tsan: {tools.kernels_arg}, generated sequences under "
          f"ThreadSanitizer; findings {results.path}", file=sys.stderr)
    progress = fuzz.Progress()
    deadline = time.monotonic() + args.time if args.time else None
    seed = args.seed if args.seed is not None else 1
    done, new, again = 0, [], 0
    try:
        while ((deadline is None or time.monotonic() < deadline) and
               (args.runs is None or done < args.runs)):
            count = CHUNK if args.runs is None else min(CHUNK,
                                                        args.runs - done)
            proc = subprocess.run(
                [tools.replay, *(["--strict"] if strict else []),
                 "--random", str(count), "--seed", str(seed)],
                capture_output=True, text=True, errors="replace",
                env=triage.sanitizer_env(triage.SANITIZER_EXIT))
            output = proc.stdout + proc.stderr
            sig = triage.signature(output, proc.returncode)
            if sig:
                text = _reproducer(proc.stdout, proc.stderr)
                files = {"repro.s2": text.encode(),
                         "report.md": _report(sig, tools, seed,
                                              output).encode()}
                if results.store(sig, files):
                    new.append(sig)
                    progress.message(f"NEW FINDING {sig}: "
                                     f"{os.path.join(results.path, sig)}")
                else:
                    again += 1
            done += count
            seed += count
            t, stamp = progress.elapsed()
            progress.show(f"{stamp} sequences {done} "
                          f"({done / max(t, 1):.0f}/s)  "
                          f"findings {len(new)} new, {again} again")
    except KeyboardInterrupt:
        progress.message("fuzz --tsan: interrupted")
        return 1 if new else 130
    progress.show(f"fuzz --tsan: {done} sequences, {len(new)} new "
                  f"findings, {again} again", final=True)
    return 1 if new else 0
