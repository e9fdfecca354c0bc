"""From a raw input that made a fuzzer crash to a finding a person can act on.

A finding is known by its signature: the oracle's (check-op-Llevel-field),
or, for a crash the oracle did not see coming, the sanitizer's kind and the
function it stopped in.  Each signature gets one folder in results/, written
under a temporary name and renamed into place: a reader sees a whole finding
or none, and a folder that exists is never written again.
"""
import datetime
import os
import re
import shutil
import subprocess
import tempfile

from . import build, minimize
from .errors import UsageError

FINDING = re.compile(r"^FINDING (\S+)", re.M)
SANITIZER = re.compile(r"(?:ERROR|WARNING): (Address|Leak|Memory|Thread)"
                       r"Sanitizer: ([\w -]+?)(?: on | \(|$)", re.M)
# ASan: "#0 0x55d1 in func file:line"; TSan: "#0 func file:line (bin+0x..)".
FRAME = re.compile(r"^\s*#\d+ (?:0x[0-9a-f]+ in )?(\w+)", re.M)
UBSAN = re.compile(r"^(\S+?):(\d+):\d+: runtime error: ", re.M)
RUNTIME_FRAMES = ("__", "s2rt_", "abort", "raise", "malloc", "free")
# Sanitizers report to stderr and exit with this; see Tools.env.
SANITIZER_EXIT = 86
TSAN_SUPPRESSIONS = os.path.join(build.ROOT, "targets", "tsan.supp")
# A run that does not end (a kernel loop, threads that never finish) is a
# finding too: triage does not wait for it forever.
RUN_TIMEOUT_S = 120
# What s2replay and the standalone driver say of input they cannot read.
BAD_INPUT = 2


def _safe(text):
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:96]


def signature(output, returncode):
    """The signature of one run's output, or None if it was clean."""
    m = FINDING.search(output)
    if m:
        return _safe(m.group(1))
    m = SANITIZER.search(output)
    if m:
        frames = [f for f in FRAME.findall(output[m.end():])
                  if not f.startswith(RUNTIME_FRAMES)]
        where = f"-{frames[0]}" if frames else ""
        kind = m.group(2).replace(" ", "-")
        return _safe(f"{m.group(1)[0].lower()}san-{kind}{where}")
    m = UBSAN.search(output)
    if m:
        return _safe(f"ubsan-{os.path.basename(m.group(1))}-L{m.group(2)}")
    if returncode < 0:
        return f"crash-signal-{-returncode}"
    if returncode:
        return f"crash-exit-{returncode}"
    return None


def sanitizer_env(exitcode):
    """The environment our binaries run in: a sanitizer's report exits with
    exitcode.  ThreadSanitizer stops at the first race and reads the
    reviewed suppressions of races in kernel code."""
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = f"exitcode={exitcode}:detect_leaks=0:symbolize=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1"
    env["TSAN_OPTIONS"] = (f"exitcode={exitcode}:halt_on_error=1:"
                           f"suppressions={TSAN_SUPPRESSIONS}:"
                           "second_deadlock_stack=1")
    return env


class Tools:
    """The binaries triage runs, built for one set of kernels."""

    def __init__(self, standalone, replay, convert, kernels_arg, strict):
        self.standalone = standalone
        self.replay = replay
        self.convert = convert
        self.kernels_arg = kernels_arg
        self.strict = strict

    @staticmethod
    def env():
        env = sanitizer_env(SANITIZER_EXIT)
        env.pop("S2FUZZ_RESULTS", None)
        env.pop("S2FUZZ_KNOWN_LOG", None)
        return env

    def _run(self, cmd):
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  errors="replace", env=self.env(),
                                  timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return "timeout", f"{' '.join(cmd)}: no end in {RUN_TIMEOUT_S} s"
        if proc.returncode == BAD_INPUT:
            lines = proc.stderr.strip().splitlines()
            raise UsageError(lines[0] if lines else f"{cmd[-1]}: bad input")
        output = proc.stdout + proc.stderr
        return signature(output, proc.returncode), output

    def run_raw(self, path):
        return self._run([self.standalone, path])

    def run_text(self, path):
        return self._run([self.replay, *(["--strict"] if self.strict else []),
                          path])

    def to_text(self, raw_path):
        proc = subprocess.run([self.convert, "--to-text", raw_path],
                              capture_output=True, text=True, check=True)
        return proc.stdout

    def to_binary(self, text_path, out_path):
        subprocess.run([self.convert, "--to-binary", text_path, out_path],
                       capture_output=True, text=True, check=True)

    def replay_command(self, repro):
        strict = " --strict" if self.strict else " --no-strict"
        return f"./s2fuzz replay --kernels {self.kernels_arg}{strict} {repro}"


class Results:
    """results/: one folder per signature, never overwritten."""

    def __init__(self, path):
        self.path = path

    def signatures(self):
        if not os.path.isdir(self.path):
            return set()
        return {d for d in os.listdir(self.path) if not d.startswith(".")}

    def clean_partial(self):
        """Folders a killed triage left half-written; their raw inputs are
        still waiting in the crash directory, so nothing is lost."""
        if os.path.isdir(self.path):
            for d in os.listdir(self.path):
                if d.startswith(".partial-"):
                    shutil.rmtree(os.path.join(self.path, d),
                                  ignore_errors=True)

    def store(self, sig, files):
        """files: name -> bytes.  Returns False if sig is already there."""
        dest = os.path.join(self.path, sig)
        if os.path.exists(dest):
            return False
        os.makedirs(self.path, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".partial-{sig}-", dir=self.path)
        try:
            for name, data in files.items():
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            os.rename(tmp, dest)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if os.path.exists(dest):
                return False
            raise
        except BaseException:  # Ctrl-C: no half-written folder stays
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return True


def _excerpt(output, limit=60):
    lines = output.rstrip("\n").splitlines()
    cut = lines[:limit]
    if len(lines) > limit:
        cut.append(f"... ({len(lines) - limit} more lines: run the command "
                   "above)")
    return "\n".join(cut)


def _report(sig, tools, engine, text, minimized, output):
    finding = [l for l in output.splitlines()
               if l.startswith(("FINDING", "ERROR:", "SUMMARY:"))
               or "runtime error:" in l]
    nr_ops = sum(1 for l in text.splitlines() if l and not l.startswith("#"))
    nr_min = sum(1 for l in minimized.splitlines()
                 if l and not l.startswith("#"))
    when = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC")
    parts = sig.split("-")
    check = parts[0] if parts else sig
    return f"""# {sig}

Found by `s2fuzz fuzz --engine {engine}` on `{tools.kernels_arg}`, {when}.

* check: **{check}**; signature `{sig}` (check-op-Llevel-field for the
  oracle's findings, sanitizer-kind-function for crashes)
* first report: `{finding[0] if finding else "(none)"}`
* reproducer: `repro.s2`, minimized from {nr_ops} lines to {nr_min}
  (`input` is the raw input the engine found, `minimized` the raw form of
  `repro.s2`)

## Replay

    {tools.replay_command(os.path.join("results", sig, "repro.s2"))}

## repro.s2

```
{minimized.rstrip()}
```

## What the oracle said (expected vs actual, and the op's events)

```
{_excerpt(output)}
```
"""


def triage(raw_path, tools, results, engine, log, byte_pass=None):
    """Files one raw crash input.  Returns its signature and whether it was
    new; the raw file is removed once it is safe in results/ (or already
    represented there)."""
    sig, output = tools.run_raw(raw_path)
    with open(raw_path, "rb") as f:
        raw = f.read()
    if sig is None:
        # A timeout or an out-of-memory the engine saw; kept as it came.
        sig = "unreproduced-" + _safe(os.path.basename(raw_path))[:40]
        new = results.store(sig, {"input": raw, "report.md": (
            f"# {sig}\n\nThe engine stopped on this input, but it runs "
            f"clean alone:\n\n    {tools.standalone} input\n").encode()})
        os.unlink(raw_path)
        return sig, new
    if sig in results.signatures():
        os.unlink(raw_path)
        return sig, False
    log(f"triage: {sig}: minimizing")
    text = tools.to_text(raw_path)
    with tempfile.TemporaryDirectory(prefix="s2fuzz-triage-") as tmp:
        minimized = minimize.ops(text, sig, tools, tmp)
        repro = os.path.join(tmp, "repro.s2")
        with open(repro, "w") as f:
            f.write(minimized)
        small = os.path.join(tmp, "minimized")
        tools.to_binary(repro, small)
        if byte_pass:
            byte_pass(small, sig, tools)
            minimized = tools.to_text(small)
            with open(repro, "w") as f:
                f.write(minimized)
        _, output = tools.run_text(repro)
        with open(small, "rb") as f:
            small_raw = f.read()
    header = (f"# {sig}\n# replay: "
              f"{tools.replay_command(os.path.join('results', sig, 'repro.s2'))}\n")
    files = {"input": raw, "minimized": small_raw,
             "repro.s2": (header + minimized).encode(),
             "report.md": _report(sig, tools, engine, text, minimized,
                                  output).encode()}
    new = results.store(sig, files)
    os.unlink(raw_path)
    return sig, new
