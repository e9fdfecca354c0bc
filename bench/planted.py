"""The planted bugs of tests/patches/, for the benchmarks that hunt them.

A patch named `6.12-….patch` applies to linux-6.12; its differential
target is BASE against BASE+PATCH (strict).  execs_to_find() runs that
target's libFuzzer binary directly, not in fork mode, with a fixed seed, to
its first finding: the count is libFuzzer's own (seed inputs included), so
it does not depend on the machine.  Used by bench/execs-to-find and
bench/run.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from cli import build, fuzz, kernels  # noqa: E402

BUILD_DIR = os.path.join(ROOT, "build")
PATCH_DIR = "tests/patches"
EXECUTED = re.compile(r"stat::number_of_executed_units: (\d+)")
FINDING = re.compile(r"^s2fuzz: finding (\S+)", re.M)


def patches():
    """Every planted bug, as a path relative to the repository (callers
    work from there): one spelling of each kernel spec everywhere, so every
    tool builds, and caches, one binary per target."""
    return sorted(os.path.relpath(p, ROOT) for p in glob.glob(
        os.path.join(ROOT, PATCH_DIR, "*.patch")))


def name(patch):
    return os.path.basename(patch)[:-len(".patch")]


def base(patch):
    return "linux-" + name(patch).split("-", 1)[0]


def specs(patch):
    """The kernels of the patch's differential target."""
    return [base(patch), f"{base(patch)}+{patch}"]


def resolve(spec_list):
    return [kernels.resolve(s, BUILD_DIR, lambda m: None) for s in spec_list]


def binary(sanitizer, patch):
    """The libFuzzer target, as `s2fuzz fuzz` builds it."""
    return fuzz.fuzzer_binary(sanitizer, "libfuzzer", resolve(specs(patch)),
                              True, BUILD_DIR, log=lambda m: None)


def seed_dir():
    """The binary seed corpus `s2fuzz fuzz` starts from."""
    convert = build.Builder(BUILD_DIR, "none", log=lambda m: None).program(
        "fuzz/convert.c", [], "s2convert")
    return fuzz.seed_corpus(convert, os.path.join(BUILD_DIR, "seeds"),
                            lambda m: None)


def execs_to_find(fuzzer, seeds, seed, max_execs):
    """(executions, first signature), or (None, None) if none within
    max_execs.  seeds: corpus directories to start from."""
    with tempfile.TemporaryDirectory(prefix="s2fuzz-bench-") as tmp:
        queue = os.path.join(tmp, "queue")
        os.mkdir(queue)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("S2FUZZ_")}
        env["ASAN_OPTIONS"] = "detect_leaks=0:symbolize=0"
        proc = subprocess.run(
            [fuzzer, f"-seed={seed}", f"-runs={max_execs}",
             f"-max_len={fuzz.MAX_LEN}", "-print_final_stats=1",
             f"-dict={os.path.join(ROOT, 'fuzz/s2.dict')}",
             f"-artifact_prefix={tmp}/", queue, *seeds],
            capture_output=True, text=True, errors="replace", env=env)
    out = proc.stdout + proc.stderr
    found = FINDING.search(out)
    if not found and "ERROR: AddressSanitizer" not in out:
        return None, None
    m = EXECUTED.search(out)
    sig = found.group(1) if found else "asan"
    return (int(m.group(1)) if m else None), sig
