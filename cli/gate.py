"""s2fuzz gate: is a page-table patch safe to merge?

Builds the base and the candidate (base + patch, or a tree), replays the
regression corpus on the pair, then fuzzes strictly: the candidate against
the base, then the candidate alone.  A finding fails the gate only if it is
new: its reproducer does not give the same signature on the base alone.
The verdict is the exit status (0 pass, 1 new finding, 2 usage, build or
apply error) and results/gate-<time>/report.md says why; report.html says
it too, with each finding's page-table tree drawn around its failing op.
"""
import argparse
import datetime
import glob
import os
import sys
import tempfile
import time

from . import (build, coverage, files, fuzz, kernels, minimize,
               report_html)
from .errors import UsageError

REGRESSION = ("corpus/seeds/*.s2", "corpus/regression/*.s2")
FROM_REGRESSION = "regression corpus"


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


class Verdicts:
    """Findings and whether each is the patch's doing."""

    def __init__(self, base_tools):
        self.base_tools = base_tools
        self.new, self.old = [], []

    def judge(self, sig, repro, where):
        """A finding the candidate gave; pre-existing if the base alone
        gives the same signature on the same reproducer."""
        base_sig, _ = self.base_tools.run_text(repro)
        entry = (sig, repro, where)
        (self.old if base_sig == sig else self.new).append(entry)
        _log(f"gate: {'pre-existing' if base_sig == sig else 'NEW'} "
             f"finding {sig} ({where}): {repro}")


def regression_files(results_dir):
    files = [p for pattern in REGRESSION
             for p in sorted(glob.glob(os.path.join(build.ROOT, pattern)))]
    files += sorted(glob.glob(os.path.join(results_dir, "*", "repro.s2")))
    return files


def replay_regression(tools, verdicts, files):
    _log(f"gate: replaying {len(files)} regression reproducers")
    for path in files:
        sig, _ = tools.run_text(path)
        if sig:
            verdicts.judge(sig, path, FROM_REGRESSION)


def patch_coverage(base, cand, texts, targets, args, build_dir):
    """A line for the report: how many changed lines of pgtable.c ran."""
    changed = coverage.changed_lines(base, cand)
    if not changed:
        _log("gate: WARNING: the candidate changes no line of pgtable.c")
        return "the candidate changes no line of pgtable.c", []
    queues = [fuzz.Workspace(args.corpus, fuzz.target_name(
        [k.spec for k in t])).queue for t in targets]
    counts = coverage.executed_lines(cand, texts, queues, build_dir)
    code = [n for n in changed if n in counts]
    missed = [n for n in code if not counts[n]]
    summary = (f"exercised {len(code) - len(missed)} of {len(code)} changed "
               f"lines of pgtable.c ({len(changed) - len(code)} more changed "
               "lines are not code)")
    _log(f"gate: {summary}")
    return summary, missed


def _fuzz_args(args, results):
    return argparse.Namespace(
        engine="libfuzzer", jobs=args.jobs, time=max(1, args.time // 2),
        runs=None, seed=None, sanitizer=args.sanitizer, corpus=args.corpus,
        results=results)


def fuzzing_summary(execs, seconds, sanitizer):
    """What the gate's fuzzing did, for both reports; seconds is None when
    the regression corpus decided the gate first."""
    if seconds is None:
        return ("not run: the regression corpus decided the gate "
                "(--keep-going fuzzes anyway)")
    return (f"{execs} executions in {seconds:.0f} s ({sanitizer} build; "
            "candidate vs base, strict, then candidate alone)")


def _report(path, args, candidate, nr_regression, fuzzing, verdicts, passed,
            patch_cov):
    def rows(entries):
        return "\n".join(f"| `{sig}` | {where} | `{repro}` |"
                         for sig, repro, where in entries) or "| (none) | | |"

    verdict = "PASS" if passed else "FAIL"
    missed = (f"; not run: lines {', '.join(map(str, patch_cov[1]))}"
              if patch_cov[1] else "")
    text = f"""# s2fuzz gate: {verdict}

* base: `{args.base}`
* candidate: `{candidate}`
* regression corpus: {nr_regression} reproducers replayed (strict)
* fuzzing: {fuzzing}
* patch coverage: {patch_cov[0]}{missed}

## New findings (the patch's doing: they fail the gate)

| signature | found by | reproducer |
| --- | --- | --- |
{rows(verdicts.new)}

## Pre-existing findings (the base gives them too)

| signature | found by | reproducer |
| --- | --- | --- |
{rows(verdicts.old)}

Replay one: `./s2fuzz replay --kernels {args.base},{candidate} --strict FILE`
"""
    files.write_text(path, text)


def _minimized(tools, sig, repro, out_dir, n):
    """A regression reproducer cut down to what its finding needs, for the
    HTML report (fuzzing findings come minimized from triage)."""
    with open(repro) as f:
        text = f.read()
    with tempfile.TemporaryDirectory(prefix="s2fuzz-gate-") as tmp:
        small = minimize.ops(text, sig, tools, tmp)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{n}-{sig}.s2")
    with open(path, "w") as f:
        f.write(f"# {sig}: minimized from {repro}\n{small}")
    return path


def _html_report(path, args, candidate, nr_regression, fuzzing, verdicts,
                 passed, patch_cov, pair):
    findings = []
    for verdict, entries in (("new", verdicts.new),
                             ("pre-existing", verdicts.old)):
        for sig, repro, where in entries:
            if where == FROM_REGRESSION:
                repro = _minimized(pair, sig, repro, os.path.join(
                    os.path.dirname(path), "minimized"), len(findings) + 1)
            findings.append(report_html.inspect(pair, sig, repro, where,
                                                verdict))
    patch = None
    if args.patch:
        with open(args.patch, errors="replace") as f:
            patch = f.read()
    report_html.write(path, report_html.Summary(
        passed, args.base, candidate, patch, nr_regression, fuzzing,
        patch_cov), findings)


def run(args, build_dir):
    if args.time < 1 or args.jobs < 1:
        raise UsageError("--time and --jobs must be at least 1")
    candidate = (f"{args.base}+{args.patch}" if args.patch
                 else os.path.abspath(args.tree))
    base_k = kernels.resolve(args.base, build_dir, _log)
    cand_k = kernels.resolve(candidate, build_dir, _log)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y%m%dT%H%M%SZ")
    gate_dir = os.path.join(args.results, f"gate-{stamp}")
    found_dir = os.path.join(gate_dir, "findings")
    pair = fuzz.triage_tools(args.sanitizer, [base_k, cand_k], True,
                             build_dir)
    verdicts = Verdicts(fuzz.triage_tools(args.sanitizer, [base_k], True,
                                          build_dir))
    texts = regression_files(args.results)
    replay_regression(pair, verdicts, texts)
    execs, fuzz_seconds = 0, None
    targets = ([base_k, cand_k], [cand_k])
    patch_cov = ("not measured: the regression corpus decided the gate "
                 "(--keep-going measures it)", [])
    if not verdicts.new or args.keep_going:
        fuzz_start = time.monotonic()
        for target in targets:
            outcome = fuzz.session(_fuzz_args(args, found_dir), target,
                                   True, build_dir,
                                   stop_on_new=not args.keep_going)
            execs += outcome.execs
            for sig in outcome.new:
                verdicts.judge(sig, os.path.join(found_dir, sig, "repro.s2"),
                               "fuzzing " + ",".join(k.spec for k in target))
            if outcome.interrupted:
                return 130
            if verdicts.new and not args.keep_going:
                break
        fuzz_seconds = time.monotonic() - fuzz_start
        # The findings' reproducers ran the changed lines too.
        found = sorted(glob.glob(os.path.join(found_dir, "*", "repro.s2")))
        patch_cov = patch_coverage(base_k, cand_k, texts + found, targets,
                                   args, build_dir)
    os.makedirs(gate_dir, exist_ok=True)
    passed = not verdicts.new
    report = os.path.join(gate_dir, "report.md")
    fuzzing = fuzzing_summary(execs, fuzz_seconds, args.sanitizer)
    _report(report, args, candidate, len(texts), fuzzing, verdicts, passed,
            patch_cov)
    _html_report(os.path.join(gate_dir, "report.html"), args, candidate,
                 len(texts), fuzzing, verdicts, passed, patch_cov, pair)
    print(f"gate: {'PASS' if passed else 'FAIL'}: {len(verdicts.new)} new, "
          f"{len(verdicts.old)} pre-existing finding(s); {len(texts)} "
          f"regression reproducers, {execs} fuzzing executions; "
          f"{patch_cov[0]}; {report}")
    return 0 if passed else 1


def add_parser(sub):
    g = sub.add_parser(
        "gate", help="decide whether a page-table patch is safe to merge",
        description="Builds BASE and the candidate (BASE with --patch, or "
        "--tree), replays the regression corpus (corpus/ and every "
        "results/*/repro.s2) strictly, then fuzzes the candidate against "
        "the base and the candidate alone for --time seconds in all. Only "
        "findings the base does not reproduce fail the gate.",
        epilog="Exit: 0 pass, 1 new finding, 2 usage, build or apply "
        "error. Report: results/gate-<time>/report.md, and report.html "
        "beside it (self-contained; each finding's page-table tree before "
        "and after its failing op).")
    g.add_argument("--base", required=True, metavar="SPEC",
                   help="the kernel the patch applies to, e.g. linux-6.12")
    which = g.add_mutually_exclusive_group(required=True)
    which.add_argument("--patch", metavar="FILE",
                       help="the candidate is BASE with FILE applied")
    which.add_argument("--tree", metavar="DIR",
                       help="the candidate is the kernel tree DIR")
    g.add_argument("--time", type=int, default=300, metavar="S",
                   help="seconds of fuzzing in all (default: %(default)s)")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel fuzzing jobs (default: one per core)")
    g.add_argument("--keep-going", action="store_true",
                   help="fuzz even when the regression corpus already "
                   "failed the gate")
    g.add_argument("--sanitizer", default="address",
                   choices=build.SANITIZERS,
                   help="build flavour (default: %(default)s)")
    fuzz.add_storage_options(g, "the gate's reports and findings")
    return g
