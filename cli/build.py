"""Compiling: our code with -Werror, each kernel's pgtable.c as it is.

Objects are cached under build/obj by a hash of the compiler command and
every input that can change them (the source, all our headers, the kernel's
files), so a rebuild compiles only what changed and never reuses a stale
object.  Each kernel and its adapter become one relocatable object whose only
global symbol is that kernel's struct s2_target: so any number of kernels
live side by side in one binary.
"""
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass

from .errors import UsageError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CC = os.environ.get("CC", "clang")
# Where fuzzing state and findings live unless an option says otherwise;
# the environment moves them (a container keeps them on volumes).
CORPUS_DIR = os.environ.get("S2FUZZ_CORPUS", os.path.join(ROOT, "corpus"))
RESULTS_DIR = os.environ.get("S2FUZZ_RESULTS", os.path.join(ROOT, "results"))

OUR_CFLAGS = ["-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-Werror",
              "-g"]
# The adapter includes kernel headers: GNU C, and their warnings are theirs.
ADAPTER_CFLAGS = ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-g"]
# pgtable.c is built as the kernel builds it (GNU C, no strict aliasing,
# wrapping signed arithmetic), with its own warnings tolerated.
KERNEL_CFLAGS = ["-std=gnu11", "-w", "-g", "-fno-strict-aliasing", "-fwrapv",
                 "-fno-common"]

FLAVOURS = {
    "address": ["-O1", "-fno-omit-frame-pointer",
                "-fsanitize=address,undefined",
                "-fno-sanitize-recover=undefined"],
    "none": ["-O2"],
    # Data races between free-running vCPU threads; S2FUZZ_TSAN makes the
    # shim's READ_ONCE an acquire ThreadSanitizer understands.
    "thread": ["-O1", "-fno-omit-frame-pointer", "-fsanitize=thread",
               "-DS2FUZZ_TSAN"],
    # Line coverage for `s2fuzz gate` (llvm-cov): which changed lines ran.
    "coverage": ["-O0", "-fprofile-instr-generate", "-fcoverage-mapping"],
}

# How each engine sees the code: only pgtable.c carries coverage, so the
# engines' edge counts are edges of the kernel file, not of our oracle.
ENGINES = {
    "plain": {"cc": CC, "coverage": [], "link": []},
    "libfuzzer": {"cc": CC, "coverage": ["-fsanitize=fuzzer-no-link"],
                  "link": ["-fsanitize=fuzzer"]},
    # afl-clang-fast instruments what it compiles; with -fsanitize=fuzzer
    # it links AFL++'s driver (persistent mode, shared-memory test cases).
    "afl": {"cc": "afl-clang-fast", "coverage": [],
            "link": ["-fsanitize=fuzzer"]},
}

# What --sanitizer offers; "coverage" is the gate's own.
SANITIZERS = ("address", "none", "thread")

RUNTIME_SOURCES = ["targets/runtime/pool.c", "targets/runtime/context.c",
                   "targets/runtime/table.c", "targets/runtime/trace.c",
                   "targets/runtime/sched.c", "targets/runtime/rcu.c",
                   "oracle/desc.c", "oracle/imap.c", "oracle/ranges.c",
                   "oracle/view.c",
                   "oracle/report.c", "oracle/diff.c", "oracle/model.c",
                   "oracle/bbm.c", "oracle/cmo.c", "oracle/mmu.c",
                   "oracle/linearize.c",
                   "fuzz/seq.c", "fuzz/gen.c", "fuzz/run.c",
                   "fuzz/file.c", "fuzz/mutate.c", "fuzz/repro-c.c",
                   "fuzz/tree.c"]
ADAPTER_SOURCES = ["targets/adapter/adapter.c"]


def _headers_digest():
    """Everything our sources include: headers and .def tables."""
    h = hashlib.sha1()
    paths = [p for ext in ("h", "def")
             for p in glob.glob(os.path.join(ROOT, "**", f"*.{ext}"),
                                recursive=True)]
    for path in sorted(paths):
        if "/build/" in path:
            continue
        h.update(path.encode())
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


@dataclass(frozen=True)
class Toolchain:
    """How one build compiles: the flags every object gets, what only
    pgtable.c gets (coverage for an engine), and how programs link."""
    name: str             # the build/bin subdirectory
    flags: tuple          # every object: optimisation, sanitizers
    kernel_cc: str        # the compiler of pgtable.c
    coverage: tuple = ()  # pgtable.c only
    link: tuple = ()      # the engine's runtime
    link_cc: str = ""     # the linker; kernel_cc if empty


def toolchain(flavour, engine="plain"):
    if flavour not in FLAVOURS:
        raise UsageError(f"unknown sanitizer '{flavour}' "
                         f"(choose from {', '.join(FLAVOURS)})")
    e = ENGINES[engine]
    return Toolchain(flavour if engine == "plain" else f"{flavour}-{engine}",
                     tuple(FLAVOURS[flavour]), e["cc"], tuple(e["coverage"]),
                     tuple(e["link"]))


class Builder:
    def __init__(self, build_dir, flavour, log=None, engine="plain"):
        """flavour: a FLAVOURS name (built for engine), or a Toolchain."""
        tc = (flavour if isinstance(flavour, Toolchain)
              else toolchain(flavour, engine))
        self.build_dir = build_dir
        self.tc = tc
        self.flavour = tc.name
        self.flags = list(tc.flags)
        self.bin_dir = os.path.join(build_dir, "bin", tc.name)
        self.log = log or (lambda msg: print(msg, file=sys.stderr))
        self.obj_dir = os.path.join(build_dir, "obj")
        os.makedirs(self.obj_dir, exist_ok=True)
        self.headers = _headers_digest()
        self._check_tools()

    def _check_tools(self):
        for tool, package in ((CC, "clang"), (self.tc.kernel_cc, "afl++"),
                              ("ld", "binutils"), ("objcopy", "binutils")):
            if not shutil.which(tool):
                raise UsageError(f"{tool} not found: run ./build.sh as root, "
                                 f"or apt-get install {package}")

    def _cached(self, key, out_name, produce, label):
        digest = hashlib.sha1(repr(key).encode()).hexdigest()[:16]
        out = os.path.join(self.obj_dir, f"{digest}-{out_name}")
        if not os.path.exists(out):
            self.log(f"  {label}")
            fd, tmp = tempfile.mkstemp(dir=self.obj_dir, suffix=".tmp")
            os.close(fd)
            try:
                produce(tmp)
                os.rename(tmp, out)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        return out

    def _run(self, cmd, what):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            errors = [l for l in proc.stderr.splitlines() if "error" in l]
            first = (errors or proc.stderr.strip().splitlines()
                     or ["failed"])[0]
            raise UsageError(f"{what}: {first}")

    def compile(self, source, flags, includes=(), extra_inputs=(), what=None,
                cc=CC, flavour_flags=None):
        path = source if os.path.isabs(source) else os.path.join(ROOT, source)
        with open(path, "rb") as f:
            content = f.read()
        if flavour_flags is None:
            flavour_flags = self.flags
        cmd = [cc, *flags, *flavour_flags, *includes, "-c", path]
        key = (cmd, hashlib.sha1(content).hexdigest(), self.headers,
               tuple(extra_inputs))
        name = os.path.basename(source).replace(".c", ".o")
        kind = self.flavour if flavour_flags else "plugin"
        label = f"CC [{kind}] {os.path.relpath(path, ROOT)}"
        return self._cached(key, name, lambda out: self._run(
            [*cmd, "-o", out], what or f"compiling {source}"), label)

    def runtime_objects(self):
        # ThreadSanitizer watches the kernel, not the runtime's bookkeeping,
        # which free-running threads share under a lock it must not see
        # (targets/runtime/sched.c).
        flags = [f for f in self.flags if f != "-fsanitize=thread"]
        return [self.compile(s, OUR_CFLAGS, flavour_flags=flags)
                for s in RUNTIME_SOURCES]

    def kernel_object(self, kernel):
        """One relocatable object: pgtable.c + adapter, one global symbol."""
        include = os.path.join(kernel.src, "arch/arm64/include")
        shim = os.path.join(ROOT, "targets/shim/include")
        runtime = os.path.join(ROOT, "targets/runtime")
        inputs = []
        for f in ("arch/arm64/kvm/hyp/pgtable.c",
                  "arch/arm64/include/asm/kvm_pgtable.h",
                  "arch/arm64/include/asm/stage2_pgtable.h"):
            with open(os.path.join(kernel.src, f), "rb") as fh:
                inputs.append(hashlib.sha1(fh.read()).hexdigest())
        api_macro = "-DS2_API_" + kernel.api.upper().replace("-", "_")
        pgtable = self.compile(
            os.path.join(kernel.src, "arch/arm64/kvm/hyp/pgtable.c"),
            [*KERNEL_CFLAGS, *self.tc.coverage, api_macro],
            ["-I", include, "-I", shim, "-I", runtime],
            inputs, what=f"{kernel.spec}: pgtable.c does not compile",
            cc=self.tc.kernel_cc)
        adapter_flags = [*ADAPTER_CFLAGS, api_macro,
                         f"-DS2_TARGET_SYMBOL={kernel.ident}"]
        system = ["-isystem", include, "-isystem", shim, "-I", runtime]
        adapters = [self.compile(s, adapter_flags, system, inputs,
                                 what=f"{kernel.spec}: adapter")
                    for s in (*ADAPTER_SOURCES,
                              f"targets/adapter/gen-{kernel.api}.c")]
        key = ("ld-r", kernel.ident, pgtable, *adapters)

        def link(out):
            self._run(["ld", "-r", "-o", out, pgtable, *adapters],
                      f"{kernel.spec}: ld -r")
            self._run(["objcopy", f"--keep-global-symbol={kernel.ident}",
                       out], f"{kernel.spec}: objcopy")
        return self._cached(key, f"{kernel.ident}.o", link,
                            f"LD [{self.flavour}] {kernel.spec}")

    def program(self, main_source, kernels, name, includes=(), extra=(),
                strict=False):
        """Links main_source (and extra sources) with the runtime and the
        given kernels; strict says how the harness compares them."""
        kernel_objs, seen = [], set()
        for k in kernels:
            if k.ident not in seen:
                seen.add(k.ident)
                kernel_objs.append(self.kernel_object(k))
        objs = [self.compile(s, OUR_CFLAGS, includes)
                for s in (main_source, *extra)]
        objs += [*self.runtime_objects(), *kernel_objs]
        if kernels:
            objs.append(self._registry(kernels, strict))
        link = [self.tc.link_cc or self.tc.kernel_cc, *self.flags,
                *self.tc.link, "-pthread"]
        tag = hashlib.sha1(repr([[k.spec for k in kernels], strict])
                           .encode()).hexdigest()[:10]
        linked = self._cached(("link", objs, link), name, lambda out:
                              self._run([*link, "-o", out, *objs],
                                        f"linking {name}"),
                              f"LINK [{self.flavour}] {name}")
        return self._install(linked, f"{name}-{tag}")

    def shared_library(self, sources, name):
        """A plugin for an engine's own process: position independent, and
        without our sanitizers, which the engine does not carry."""
        flags = [*OUR_CFLAGS, "-O2", "-fPIC"]
        objs = [self.compile(s, flags, flavour_flags=[]) for s in sources]
        linked = self._cached(("shared", objs), name, lambda out: self._run(
            [CC, "-shared", "-o", out, *objs], f"linking {name}"),
            f"LINK [shared] {name}")
        return self._install(linked, name)

    def _install(self, linked, filename):
        """A stable path in build/bin for a cached output, replaced
        atomically so a running fuzzer keeps its binary."""
        os.makedirs(self.bin_dir, exist_ok=True)
        dest = os.path.join(self.bin_dir, filename)
        if not os.path.exists(dest) or not os.path.samefile(dest, linked):
            tmp = dest + ".tmp"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.link(linked, tmp)
            os.rename(tmp, dest)
        return dest

    def _registry(self, kernels, strict):
        lines = ['#include "fuzz/registry.h"', ""]
        for ident in dict.fromkeys(k.ident for k in kernels):
            lines.append(f"extern const struct s2_target {ident};")
        lines += ["", "const struct s2_named_target s2_registry[] = {"]
        for k in kernels:
            name = k.spec.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'\t{{ "{name}", &{k.ident} }},')
        lines += ["};", f"const unsigned int s2_registry_size = {len(kernels)};",
                  f"const bool s2_registry_strict = {str(strict).lower()};", ""]
        text = "\n".join(lines)
        digest = hashlib.sha1(text.encode()).hexdigest()[:16]
        path = os.path.join(self.obj_dir, f"registry-{digest}.c")
        if not os.path.exists(path):
            fd, tmp = tempfile.mkstemp(dir=self.obj_dir, suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                f.write(text)
            os.rename(tmp, path)
        return self.compile(path, [*OUR_CFLAGS, "-I", ROOT])
