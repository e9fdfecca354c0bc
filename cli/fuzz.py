"""s2fuzz fuzz: the main job.

Runs an engine (libFuzzer in fork mode, or AFL++ with -M/-S instances) on
the fuzz target of a set of kernels, keeps the corpus per target under
corpus/<target>/, and triages what the engine keeps as crashes into
results/<signature>/ while it runs.  The engine runs in its own session so
that Ctrl-C reaches s2fuzz first: it stops the engine, and whatever was not
triaged yet stays in corpus/<target>/crashes/ for the next run.
"""
import collections
import ctypes
import glob
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

from . import build, triage
from .errors import UsageError

MAX_LEN = 4 + (5 + 64) * 16  # the header, a full schedule, 64 ops (fuzz/seq.h)
SEED_DIRS = ("corpus/seeds", "corpus/regression")
# An input that takes this long is a hang, not a slow test case.
TIMEOUT_S = 25
# Wait this long after a crash file last changed before reading it.
SETTLE_S = 1.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def target_name(specs):
    """A directory name for a set of kernel specs: readable when short."""
    name = re.sub(r"[^A-Za-z0-9.+-]", "_", "__".join(specs))
    if len(name) > 80:
        name = name[:60] + "-" + hashlib.sha1(name.encode()).hexdigest()[:12]
    return name


class Workspace:
    """One target's state: corpus, crashes waiting for triage, engine log."""

    def __init__(self, corpus_root, name):
        self.dir = os.path.join(corpus_root, name)
        self.queue = os.path.join(self.dir, "queue")
        self.crashes = os.path.join(self.dir, "crashes")
        self.afl = os.path.join(self.dir, "afl")
        self.known_log = os.path.join(self.dir, "known.log")
        self.engine_log = os.path.join(self.dir, "engine.log")
        for d in (self.queue, self.crashes):
            os.makedirs(d, exist_ok=True)

    def known(self):
        """Known findings hit, by signature (oracle/known-differences.def)."""
        counts = {}
        if os.path.exists(self.known_log):
            with open(self.known_log) as f:
                for line in f:
                    counts[line.strip()] = counts.get(line.strip(), 0) + 1
        return counts


def seed_corpus(convert, out_dir, log):
    """The binary seed corpus, from the text reproducers in corpus/."""
    os.makedirs(out_dir, exist_ok=True)
    texts = sorted(p for d in SEED_DIRS
                   for p in glob.glob(os.path.join(build.ROOT, d, "*.s2")))
    for text in texts:
        out = os.path.join(out_dir, os.path.basename(text)[:-3])
        if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(text):
            continue
        tmp = out + ".tmp"
        proc = subprocess.run([convert, "--to-binary", text, tmp],
                              capture_output=True, text=True)
        if proc.returncode:
            raise UsageError(proc.stderr.strip() or f"{text}: cannot convert")
        os.rename(tmp, out)
    if not texts:
        log("fuzz: no text seeds in corpus/; starting from nothing")
    return out_dir


def _stop_with_parent():
    """In the engine's process: SIGINT when s2fuzz dies, even by SIGKILL,
    so that no engine outlives the run that owns its corpus."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGINT)


def _keep_if_same(path, candidate, sig, tools):
    if os.path.exists(candidate):
        if (os.path.getsize(candidate) < os.path.getsize(path)
                and tools.run_raw(candidate)[0] == sig):
            os.replace(candidate, path)
        else:
            os.unlink(candidate)


class LibFuzzer:
    name = "libfuzzer"
    # Fork mode's "cov" is not the edge count of a single process: say so.
    cov_label = "cov (libFuzzer)"

    def __init__(self, binary, ws, seeds, args):
        self.binary, self.ws, self.seeds, self.args = binary, ws, seeds, args
        self.stats = {}

    def commands(self):
        a = self.args
        cmd = [self.binary, f"-fork={a.jobs}", "-ignore_crashes=1",
               "-ignore_timeouts=1", "-ignore_ooms=1",
               f"-artifact_prefix={self.ws.crashes}/", f"-max_len={MAX_LEN}",
               f"-timeout={TIMEOUT_S}", "-rss_limit_mb=4096",
               f"-dict={os.path.join(build.ROOT, 'fuzz/s2.dict')}",
               "-print_final_stats=1"]
        if a.time:
            cmd.append(f"-max_total_time={a.time}")
        if a.runs:
            cmd.append(f"-runs={a.runs}")
        if a.seed is not None:
            cmd.append(f"-seed={a.seed}")
        return [(cmd + [self.ws.queue, self.seeds], {})]

    PROGRESS = re.compile(r"#(\d+): cov: (\d+) ft: \d+ corp: (\d+) exec/s:? "
                          r"\d+ oom/timeout/crash: \d+/\d+/(\d+)")

    def parse(self, line):
        m = self.PROGRESS.search(line)
        if m:
            self.stats.update(execs=int(m.group(1)), cov=int(m.group(2)),
                              corpus=int(m.group(3)),
                              crashes=int(m.group(4)))

    COVERED = re.compile(r"^(?:UN)?COVERED_FUNC: hits: \d+ edges: (\d+)/(\d+) "
                         r"\S+ \S*/kernels/([^/]+)/src/", re.M)

    def coverage(self):
        """pgtable.c edges the corpus covers, per kernel: [(kernel, covered,
        total)], from one pass of the corpus with -print_coverage."""
        proc = subprocess.run(
            [self.binary, "-runs=0", "-print_coverage=1", self.ws.queue,
             self.seeds], capture_output=True, text=True, errors="replace",
            env={**os.environ, "S2FUZZ_RESULTS": self.args.results,
                 "ASAN_OPTIONS": "detect_leaks=0"})
        per = {}
        for covered, total, kernel in self.COVERED.findall(proc.stderr):
            c, t = per.get(kernel, (0, 0))
            per[kernel] = (c + int(covered), t + int(total))
        return [(k, c, t) for k, (c, t) in sorted(per.items())]

    def byte_pass(self, path, sig, tools):
        """libFuzzer's own crash minimization, kept only if the signature
        stays."""
        out = path + ".bytes"
        subprocess.run([self.binary, "-minimize_crash=1",
                        "-max_total_time=10", f"-max_len={MAX_LEN}",
                        f"-exact_artifact_path={out}", path],
                       capture_output=True, env=tools.env())
        _keep_if_same(path, out, sig, tools)

    def crash_files(self):
        return [os.path.join(self.ws.crashes, f)
                for f in os.listdir(self.ws.crashes)
                if f.split("-", 1)[0] in ("crash", "timeout", "oom", "leak")]

    def poll(self):
        pass


class AFL:
    name = "afl"
    cov_label = "pgtable.c edges"
    # Power schedules, one per instance, so that parallel jobs spend their
    # time differently (AFL++ docs, "fuzzing in parallel"): the main
    # instance keeps the default, the others cycle through the rest.
    SCHEDULES = ("fast", "explore", "coe", "lin", "quad", "exploit", "rare")

    def __init__(self, binary, ws, seeds, args, mutator):
        self.binary, self.ws, self.seeds, self.args = binary, ws, seeds, args
        self.mutator = mutator
        self.stats = {}

    def _input_dir(self):
        """afl-fuzz reads one directory: the seeds plus libFuzzer's corpus."""
        d = os.path.join(self.ws.dir, "afl-in")
        os.makedirs(d, exist_ok=True)
        for src in (self.seeds, self.ws.queue):
            for f in os.listdir(src):
                dest = os.path.join(d, f)
                if not os.path.exists(dest):
                    shutil.copyfile(os.path.join(src, f), dest)
        return d

    def commands(self):
        a = self.args
        env = {"AFL_CUSTOM_MUTATOR_LIBRARY": self.mutator,
               "AFL_NO_UI": "1", "AFL_SKIP_CPUFREQ": "1",
               "AFL_AUTORESUME": "1", "AFL_NO_AFFINITY": "1",
               "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1",
               "AFL_SUPPRESS_ENV_WARNINGS": "1", "AFL_NO_COLOR": "1"}
        base = ["afl-fuzz", "-i", self._input_dir(), "-o", self.ws.afl,
                "-x", os.path.join(build.ROOT, "fuzz/s2.dict"),
                "-t", str(TIMEOUT_S * 1000), "-m", "none"]
        if a.time:
            base += ["-V", str(a.time)]
        if a.runs:
            base += ["-E", str(a.runs)]
        if a.seed is not None:
            base += ["-s", str(a.seed)]
        cmds = []
        for i in range(a.jobs):
            role = ["-M", "main"] if i == 0 else ["-S", f"secondary{i}"]
            schedule = ["-p", self.SCHEDULES[i % len(self.SCHEDULES)]]
            cmds.append((base + role + schedule + ["--", self.binary], env))
        return cmds

    def parse(self, line):
        pass

    def coverage(self):
        return []  # edges_found in the progress line says it

    def byte_pass(self, path, sig, tools):
        """afl-tmin, kept only if the signature stays."""
        out = path + ".bytes"
        subprocess.run(["afl-tmin", "-i", path, "-o", out, "-t",
                        str(TIMEOUT_S * 1000), "-m", "none", "--",
                        self.binary], capture_output=True,
                       env={**tools.env(), "AFL_SKIP_CPUFREQ": "1"},
                       timeout=120)
        _keep_if_same(path, out, sig, tools)

    def crash_files(self):
        return [p for p in glob.glob(os.path.join(self.ws.afl, "*", "crashes",
                                                  "id:*"))]

    def poll(self):
        total = {"execs": 0, "corpus": 0, "crashes": 0}
        cov = 0
        for path in glob.glob(os.path.join(self.ws.afl, "*", "fuzzer_stats")):
            stats = {}
            with open(path) as f:
                for line in f:
                    k, _, v = line.partition(":")
                    stats[k.strip()] = v.strip()
            for key, field in (("execs", "execs_done"),
                               ("corpus", "corpus_count"),
                               ("crashes", "saved_crashes")):
                total[key] += int(float(stats.get(field, 0)))
            cov = max(cov, int(stats.get("edges_found", 0)))
        total["cov"] = cov
        self.stats.update(total)


class Progress:
    """One live line on a tty; a plain line every 30 s otherwise."""

    def __init__(self, out=sys.stderr):
        self.out = out
        self.tty = out.isatty()
        self.start = time.monotonic()
        self.last = 0.0

    def elapsed(self):
        """Whole seconds since the start, and them as "[h:mm:ss]"."""
        t = int(time.monotonic() - self.start)
        return t, f"[{t // 3600}:{t // 60 % 60:02}:{t % 60:02}]"

    def line(self, stats, cov_label, new, dups, known):
        t, stamp = self.elapsed()
        execs = stats.get("execs", 0)
        # Engines' own rates differ in what they count: measure ours.
        rate = execs / t if t else 0
        return (f"{stamp} execs {execs} ({rate:.0f}/s)  "
                f"{cov_label} {stats.get('cov', 0)}  "
                f"corpus {stats.get('corpus', 0)}  findings {new} new, "
                f"{dups} again, {known} known")

    def show(self, text, final=False):
        now = time.monotonic()
        if self.tty:
            self.out.write("\r\033[K" + text + ("\n" if final else ""))
            self.out.flush()
        elif final or now - self.last >= 30:
            print(text, file=self.out, flush=True)
            self.last = now

    def message(self, text):
        if self.tty:
            self.out.write("\r\033[K")
        print(text, file=self.out, flush=True)


class Run:
    def __init__(self, engine, tools, results, ws, args, stop_on_new):
        self.engine, self.tools, self.results = engine, tools, results
        self.ws, self.args = ws, args
        # A verdict needs one new finding: the rest wait in crashes/.
        self.stop_on_new = stop_on_new
        self.procs = []
        self.new, self.dups = [], 0
        self.progress = Progress()

    def _reader(self, proc, log):
        for line in proc.stdout:
            log.write(line)
            self.engine.parse(line)
        log.flush()

    def start(self):
        env = dict(triage.sanitizer_env(triage.SANITIZER_EXIT),
                   S2FUZZ_RESULTS=self.results.path,
                   S2FUZZ_KNOWN_LOG=self.ws.known_log,
                   ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:symbolize=0")
        # Known findings are counted per run.
        if os.path.exists(self.ws.known_log):
            os.unlink(self.ws.known_log)
        log = self.log = open(self.ws.engine_log, "a")
        for cmd, extra in self.engine.commands():
            log.write(f"$ {' '.join(cmd)}\n")
            log.flush()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True,
                                    errors="replace", env={**env, **extra},
                                    start_new_session=True,
                                    preexec_fn=_stop_with_parent)
            threading.Thread(target=self._reader, args=(proc, log),
                             daemon=True).start()
            self.procs.append(proc)

    @staticmethod
    def _signal(proc, sig):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:  # it has just gone
            pass

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                self._signal(proc, signal.SIGINT)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal(proc, signal.SIGKILL)
                proc.wait()
        if self.procs:
            self.log.close()

    def triage_pending(self, settled=True):
        now = time.time()
        for path in sorted(self.engine.crash_files()):
            if self.stop_on_new and self.new:
                return
            try:
                if settled and now - os.path.getmtime(path) < SETTLE_S:
                    continue
            except FileNotFoundError:
                continue
            # A verdict waits for triage: it keeps the op-level
            # minimization and skips the engine's byte pass (10 s).
            sig, new = triage.triage(
                path, self.tools, self.results, self.engine.name,
                self.progress.message,
                None if self.stop_on_new else self.engine.byte_pass)
            if new:
                self.new.append(sig)
                self.progress.message(
                    f"NEW FINDING {sig}: {os.path.join(self.results.path, sig)}")
            else:
                self.dups += 1

    def status(self, final=False):
        self.engine.poll()
        known = sum(self.ws.known().values())
        self.progress.show(self.progress.line(
            self.engine.stats, self.engine.cov_label, len(self.new), self.dups,
            known), final)

    def loop(self):
        deadline = (time.monotonic() + self.args.time + 30
                    if self.args.time else None)
        while any(p.poll() is None for p in self.procs):
            time.sleep(1)
            self.triage_pending()
            self.status()
            if self.stop_on_new and self.new:
                break
            if deadline and time.monotonic() > deadline:
                self.progress.message("fuzz: the engine overran --time; "
                                      "stopping it")
                break


def add_storage_options(parser, results_are):
    """--corpus and --results, for the commands that fuzz."""
    parser.add_argument("--corpus", default=build.CORPUS_DIR, metavar="DIR",
                        help="where each target's corpus is kept (default: "
                        "$S2FUZZ_CORPUS or corpus/)")
    parser.add_argument("--results", default=build.RESULTS_DIR,
                        metavar="DIR", help=f"where {results_are} go "
                        "(default: $S2FUZZ_RESULTS or results/)")


def triage_tools(sanitizer, kernels, strict, build_dir):
    plain = build.Builder(build_dir, sanitizer)
    return triage.Tools(
        plain.program("fuzz/standalone.c", kernels, "s2fuzz-standalone",
                      extra=("fuzz/harness.c",), strict=strict),
        plain.program("fuzz/replay.c", kernels, "s2replay"),
        plain.program("fuzz/convert.c", [], "s2convert"),
        ",".join(k.spec for k in kernels), strict)


def fuzzer_binary(sanitizer, engine, kernels, strict, build_dir, log=None):
    """The fuzz target as an engine runs it."""
    builder = build.Builder(build_dir, sanitizer, log=log, engine=engine)
    extra = ("fuzz/libfuzzer-mutator.c",) if engine == "libfuzzer" else ()
    return builder.program("fuzz/harness.c", kernels, f"s2fuzz-{engine}",
                           extra=extra, strict=strict)


def _build(args, kernels, strict, build_dir):
    plain = build.Builder(build_dir, args.sanitizer)
    fuzzer = fuzzer_binary(args.sanitizer, args.engine, kernels, strict,
                           build_dir)
    tools = triage_tools(args.sanitizer, kernels, strict, build_dir)
    mutator = None
    if args.engine == "afl":
        mutator = plain.shared_library(
            ["fuzz/afl-mutator.c", "fuzz/mutate.c", "fuzz/seq.c",
             "fuzz/gen.c"], "s2mutator-afl.so")
    return fuzzer, tools, mutator


ENGINES = ("afl", "libfuzzer")


def check_engine(engine):
    if engine == "afl" and not shutil.which("afl-fuzz"):
        raise UsageError("afl-fuzz not found: run ./build.sh as root, or "
                         "apt-get install afl++")


Outcome = collections.namedtuple("Outcome", "new execs interrupted")


def run(args, kernels, strict, build_dir):
    """Returns the exit status: 0 nothing new, 1 new findings, 130 if
    interrupted with nothing new."""
    outcome = session(args, kernels, strict, build_dir)
    if outcome.new:
        return 1
    return 130 if outcome.interrupted else 0


def session(args, kernels, strict, build_dir, stop_on_new=False):
    """One fuzzing run, start to end (or to its first new finding);
    returns its Outcome."""
    check_engine(args.engine)
    specs = [k.spec for k in kernels]
    fuzzer, tools, mutator = _build(args, kernels, strict, build_dir)
    ws = Workspace(args.corpus, target_name(specs))
    results = triage.Results(args.results)
    results.clean_partial()
    seeds = seed_corpus(tools.convert, os.path.join(build_dir, "seeds"),
                        lambda msg: print(msg, file=sys.stderr))
    engine = (LibFuzzer(fuzzer, ws, seeds, args) if args.engine == "libfuzzer"
              else AFL(fuzzer, ws, seeds, args, mutator))
    r = Run(engine, tools, results, ws, args, stop_on_new)
    print(f"fuzz: {','.join(specs)} with {args.engine}, {args.jobs} "
          f"job(s), {args.sanitizer} build{', strict' if strict else ''}; "
          f"corpus {ws.dir}, findings {results.path}", file=sys.stderr)
    interrupted = False
    try:
        r.triage_pending(settled=False)  # what an interrupted run left
        r.start()
        r.loop()
        r.stop()
        r.triage_pending(settled=False)
    except KeyboardInterrupt:
        interrupted = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        r.stop()
    r.status(final=True)
    if not interrupted:
        names = {os.path.basename(os.path.dirname(k.src)): k.spec
                 for k in kernels}
        covered = ", ".join(f"{names.get(k, k)} {c}/{t}"
                            for k, c, t in engine.coverage())
        if covered:
            print(f"fuzz: pgtable.c edges the corpus covers: {covered}",
                  file=sys.stderr)
    left = len(engine.crash_files())
    if left:
        print(f"fuzz: {left} crash input(s) not triaged yet in "
              f"{os.path.dirname(engine.crash_files()[0])}; the next "
              "`s2fuzz fuzz` on these kernels triages them", file=sys.stderr)
    known = ws.known()
    if known:
        print("fuzz: known findings hit (oracle/known-differences.def): " +
              ", ".join(f"{k} x{v}" for k, v in sorted(known.items())),
              file=sys.stderr)
    if r.new:
        print("fuzz: new findings: " + " ".join(r.new), file=sys.stderr)
    return Outcome(r.new, engine.stats.get("execs", 0), interrupted)
