"""s2fuzz: fuzz and differentially test arm64 KVM stage-2 page-table code.

Exit status: 0 clean, 1 a finding, 2 bad input or a build error.
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile

from . import build, files, fuzz, gate, kernels, minimize, triage, tsan
from .errors import UsageError

EXIT_FINDING = 1
EXIT_USAGE = 2
BUILD_DIR = os.path.join(build.ROOT, "build")


def _warn(msg):
    print(msg, file=sys.stderr)


def _kernel_list(text):
    specs = [s for s in text.split(",") if s]
    if not specs:
        raise UsageError("--kernels needs at least one kernel spec")
    return [kernels.resolve(s, BUILD_DIR, _warn) for s in specs]


def _binary(args, main="fuzz/replay.c"):
    builder = build.Builder(BUILD_DIR, args.sanitizer)
    name = os.path.splitext(os.path.basename(main))[0]
    return builder.program(main, _kernel_list(args.kernels),
                           "s2replay" if main == "fuzz/replay.c" else name)


def cmd_build(args):
    if args.fuzz:
        # Everything `s2fuzz fuzz` would build before its engine starts, so
        # that a prepared tree (a container image) starts fuzzing at once.
        kernel_list, strict = _kernel_list(args.kernels), _strict(args)
        fuzz.fuzzer_binary(args.sanitizer, "libfuzzer", kernel_list, strict,
                           BUILD_DIR)
        fuzz.triage_tools(args.sanitizer, kernel_list, strict, BUILD_DIR)
    print(_binary(args, args.main))
    return 0


def cmd_ops(args):
    return subprocess.run([_binary(args), "--help"]).returncode


def _strict(args):
    """Strict by default when every kernel is one base, patched or not."""
    if args.strict is not None:
        return args.strict
    bases = {kernels.base_spec(s) for s in args.kernels.split(",") if s}
    return len(bases) == 1


TSAN_HELP = ("the same as --sanitizer thread: a ThreadSanitizer build, where "
             "concurrent sections' threads run free, at once (no schedule): "
             "data races are findings (the reviewed suppressions of races in "
             "kernel code: targets/tsan.supp)")


def cmd_replay(args):
    if args.tsan:
        args.sanitizer = "thread"
    binary = _binary(args)
    flags = [f for f, on in (("--dump", args.dump), ("--trace", args.trace),
                             ("--strict", _strict(args)),
                             ("--divergences", args.divergences),
                             ("--fault-window", args.fault_window)) if on]
    if args.tree is not None:
        flags += ["--tree", str(args.tree)]
    if args.pct is not None and args.schedules is None:
        raise UsageError("--pct needs --schedules")
    if args.schedules is not None:
        if args.schedules < 1 or args.seed < 0:
            raise UsageError("--schedules must be at least 1 and --seed "
                             "not negative")
        if len(args.files) != 1:
            raise UsageError("--schedules fuzzes the schedules of one FILE")
        flags += ["--schedules", str(args.schedules), "--seed",
                  str(args.seed)]
        if args.pct is not None:
            flags += ["--pct", str(args.pct)]
    proc = subprocess.run([binary, *flags, *args.files],
                          env=triage.sanitizer_env(EXIT_FINDING))
    if proc.returncode == -signal.SIGPIPE:
        return 128 + signal.SIGPIPE
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        _warn(f"s2fuzz: replay died with {name}: a finding (see above)")
        return EXIT_FINDING
    return proc.returncode


def cmd_fuzz(args):
    for name in ("jobs", "time", "runs"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise UsageError(f"--{name} must be at least 1")
    if args.tsan:
        return tsan.session(args, _kernel_list(args.kernels), _strict(args),
                            BUILD_DIR)
    return fuzz.run(args, _kernel_list(args.kernels), _strict(args),
                    BUILD_DIR)


def cmd_gate(args):
    return gate.run(args, BUILD_DIR)


def cmd_repro_c(args):
    kernel = kernels.resolve(args.kernel, BUILD_DIR, _warn)
    convert = build.Builder(BUILD_DIR, "none").program("fuzz/convert.c", [],
                                                       "s2convert")
    proc = subprocess.run([convert, "--to-c", args.file],
                          capture_output=True, text=True)
    if proc.returncode:
        raise UsageError(proc.stderr.strip())
    api = "S2_API_" + kernel.api.upper().replace("-", "_")
    root, src = build.ROOT, kernel.src
    out = args.output or "repro"
    cc = (f"cc -std=gnu11 -w -g -fno-strict-aliasing -fwrapv "
          f"-D_DEFAULT_SOURCE -D{api} -DS2_TARGET_SYMBOL=s2_target "
          f"-I {src}/arch/arm64/include -I {root}/targets/shim/include "
          f"-I {root}/targets/runtime -I {root}/targets "
          f"{out + '.c' if args.output else 'repro.c'} "
          f"{src}/arch/arm64/kvm/hyp/pgtable.c "
          f"{root}/targets/adapter/adapter.c "
          f"{root}/targets/adapter/gen-{kernel.api}.c "
          f"{root}/targets/runtime/*.c {root}/oracle/desc.c -o {out}")
    text = (f"/*\n * Build and run against {kernel.spec} ({src}):\n *\n"
            f" *   {cc} && ./{os.path.basename(out)}\n */\n" + proc.stdout)
    if not args.output:
        sys.stdout.write(text)
        return 0
    try:
        files.write_text(args.output + ".c", text)
    except OSError as e:
        raise UsageError(f"{args.output}.c: {e.strerror}")
    print(cc)
    return 0


def cmd_minimize(args):
    tools = fuzz.triage_tools(args.sanitizer, _kernel_list(args.kernels),
                              _strict(args), BUILD_DIR)
    try:
        with open(args.file) as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{args.file}: {getattr(e, 'strerror', None) or e}")
    sig, _ = tools.run_text(args.file)
    if sig is None:
        raise UsageError(f"{args.file}: no finding to keep: it replays clean")
    with tempfile.TemporaryDirectory(prefix="s2fuzz-minimize-") as tmp:
        small = minimize.ops(text, sig, tools, tmp)
    print(f"# {sig}: {args.file} minimized")
    sys.stdout.write(small)
    return 0


def cmd_random(args):
    if args.count < 1 or args.seed < 0:
        raise UsageError("--count must be at least 1 and --seed not negative")
    binary = _binary(args)
    flags = ["--strict"] if _strict(args) else []
    proc = subprocess.run([binary, *flags, "--random", str(args.count),
                           "--seed", str(args.seed)])
    return proc.returncode if proc.returncode >= 0 else EXIT_FINDING


def _parser():
    p = argparse.ArgumentParser(
        prog="s2fuzz", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    kernels_help = ("comma-separated kernel specs: linux-6.1, linux-6.12, a "
                    "kernel tree DIR, or SPEC+PATCH (default: %(default)s)")
    default_kernels = ",".join(kernels.DEFAULT_KERNELS)

    def add_common(cmd):
        cmd.add_argument("--kernels", default=default_kernels,
                         metavar="SPEC,...", help=kernels_help)
        cmd.add_argument("--sanitizer", default="address",
                         choices=build.SANITIZERS,
                         help="build flavour (default: %(default)s)")

    b = sub.add_parser("build", help="extract the kernels and build the "
                       "replay binary; prints its path",
                       description="Extracts the files under test of each "
                       "kernel and builds the replay binary for them.")
    add_common(b)
    b.add_argument("--main", default="fuzz/replay.c", metavar="FILE.c",
                   help="the harness program to link the kernels into "
                   "(default: %(default)s; bench/*.c are others)")
    b.add_argument("--fuzz", action="store_true",
                   help="also build what `s2fuzz fuzz` with these --kernels "
                   "and --sanitizer runs (libFuzzer target, triage tools)")
    b.set_defaults(func=cmd_build, strict=None)

    o = sub.add_parser("ops", help="print the op language",
                       description="Prints the op language of reproducers, "
                       "generated from the op table.")
    add_common(o)
    o.set_defaults(func=cmd_ops)

    r = sub.add_parser("replay", help="run op-language reproducers on each "
                       "kernel", description="Runs each reproducer on every "
                       "kernel. Exit 0 clean, 1 finding, 2 bad input.")
    add_common(r)
    r.add_argument("--dump", action="store_true",
                   help="print each kernel's final mapping as op lines")
    r.add_argument("--trace", action="store_true",
                   help="print the event log of every op")
    r.add_argument("--strict", action=argparse.BooleanOptionalAction,
                   default=None,
                   help="return codes and table structure must agree too "
                   "(default: on when all kernels share one base, e.g. "
                   "linux-6.12 and linux-6.12+fix.patch)")
    r.add_argument("--divergences", action="store_true",
                   help="print the intended differences between kernels")
    r.add_argument("--tree", type=int, metavar="OP",
                   help="print each kernel's page-table tree before and "
                   "after op OP (numbered as FINDING lines number them; the "
                   "last op + 1 is the destroy) as JSON lines: a 'tree' "
                   "line, then 'page' lines (table pages, with their "
                   "page_count) and 'entry' lines (every non-zero entry)")
    r.add_argument("--fault-window", action="store_true",
                   help="a simulated MMU translates each op's IPAs at every "
                   "yield point; print, per op and kernel, how many of "
                   "those translations faulted at IPAs mapped both before "
                   "and after the op (the vCPU faults the op's window "
                   "causes)")
    r.add_argument("--schedules", type=int, metavar="COUNT",
                   help="schedule fuzzing: run the FILE's concurrent "
                   "sections under COUNT random schedules; the first with a "
                   "finding is printed as a reproducer (exit 1)")
    r.add_argument("--pct", type=int, metavar="DEPTH",
                   help="with --schedules: PCT schedules of this depth "
                   "(1-16) instead of random schedule bytes")
    r.add_argument("--seed", type=int, default=1,
                   help="with --schedules: the first schedule's seed")
    r.add_argument("--tsan", action="store_true", help=TSAN_HELP)
    r.add_argument("files", nargs="+", metavar="FILE")
    r.set_defaults(func=cmd_replay)

    f = sub.add_parser(
        "fuzz", help="the main job: fuzz the kernels, triage findings "
        "into results/",
        description="Fuzzes the kernels with libFuzzer (fork mode) or AFL++ "
        "until interrupted or --time. The corpus is kept per set of kernels "
        "under corpus/<target>/ (a second run resumes it); each new finding "
        "is minimized into results/<signature>/ (input, minimized, repro.s2, "
        "report.md), written atomically and never overwritten.",
        epilog="Exit: 0 nothing new, 1 new findings, 2 bad input or build "
        "error, 130 interrupted with nothing new.")
    add_common(f)
    f.add_argument("--tsan", action="store_true",
                   help="no engine: generated sequences (a quarter end "
                   "with a concurrent section) in a ThreadSanitizer build, "
                   "sections' threads running free; races and findings go "
                   "to results/ as they came (--seed: the first sequence's; "
                   "--runs: sequences)")
    f.add_argument("--engine", default="libfuzzer",
                   choices=sorted(fuzz.ENGINES),
                   help="default: %(default)s")
    f.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel fuzzing processes (default: one per core, "
                   "%(default)s)")
    f.add_argument("--time", type=int, metavar="S",
                   help="stop after S seconds (default: run until Ctrl-C)")
    f.add_argument("--runs", type=int, metavar="N",
                   help="stop after about N executions (libFuzzer: in all; "
                   "AFL++: per instance)")
    f.add_argument("--seed", type=int, help="the engine's random seed")
    f.add_argument("--strict", action=argparse.BooleanOptionalAction,
                   default=None, help="as for replay")
    fuzz.add_storage_options(f, "findings")
    f.set_defaults(func=cmd_fuzz)

    gate.add_parser(sub).set_defaults(func=cmd_gate)

    c = sub.add_parser(
        "repro-c", help="a reproducer as a standalone C program",
        description="Writes FILE as a C program that calls the kernel's "
        "pgtable.c through the shim and the adapter, one call per op, with "
        "the runtime's refcount and leak checks, and the one cc command "
        "that builds it against the kernel (in its header comment; with -o, "
        "also on stdout). For gdb, or the start of a kernel test.")
    c.add_argument("--kernel", default="linux-6.12", metavar="SPEC",
                   help="the kernel to build against (default: %(default)s)")
    c.add_argument("-o", "--output", metavar="NAME",
                   help="write NAME.c (the binary will be NAME) instead of "
                   "printing the program")
    c.add_argument("file", metavar="FILE")
    c.set_defaults(func=cmd_repro_c)

    m = sub.add_parser(
        "minimize", help="shrink a reproducer to the ops its finding needs",
        description="Removes ops (delta debugging) while the first finding "
        "keeps its signature; prints the result. Exit 0, or 2 if FILE is "
        "bad or replays clean.")
    add_common(m)
    m.add_argument("--strict", action=argparse.BooleanOptionalAction,
                   default=None, help="as for replay")
    m.add_argument("file", metavar="FILE")
    m.set_defaults(func=cmd_minimize)

    g = sub.add_parser("random", help="run deterministic pseudo-random "
                       "sequences", description="Runs COUNT generated "
                       "sequences (seeds SEED, SEED+1, ...) on the kernels; "
                       "prints the first with a finding as a reproducer. "
                       "Exit 0 clean, 1 finding.")
    add_common(g)
    g.add_argument("--count", type=int, default=10000)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--strict", action=argparse.BooleanOptionalAction,
                   default=None, help="as for replay")
    g.set_defaults(func=cmd_random)
    return p


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    # SIGINT stops a run even when it was started with SIGINT ignored (in
    # the background of a script, under nohup), where Python leaves it so.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return args.func(args)
    except UsageError as e:
        print(f"s2fuzz: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
