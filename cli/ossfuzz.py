"""The OSS-Fuzz / ClusterFuzzLite build contract.

build.sh runs this when $OUT and $LIB_FUZZING_ENGINE are set, as OSS-Fuzz's
builder sets them.  The fuzz targets are compiled with $CC and $CFLAGS and
linked by $CXX with $LIB_FUZZING_ENGINE; each lands in $OUT with
<target>_seed_corpus.zip, <target>.dict and <target>.options.  The kernels
are $S2FUZZ_KERNELS (default linux-6.1,linux-6.12): a differential target
for all of them, and one target per kernel.
"""
import os
import re
import shlex
import shutil
import sys
import zipfile

from . import build, files, fuzz, kernels
from .errors import UsageError

REQUIRED = ("CC", "CXX", "OUT", "LIB_FUZZING_ENGINE")
# Coverage instrumentation goes on pgtable.c only, so that the engine's
# edges are the kernel file's and not our oracle's.
COVERAGE_FLAG = re.compile(r"-fsanitize=fuzzer-no-link$|-fsanitize-coverage=")


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


def oss_fuzz_toolchain(env):
    missing = [v for v in REQUIRED if not env.get(v)]
    if missing:
        raise UsageError(f"OSS-Fuzz build: ${' $'.join(missing)} not set")
    cflags = shlex.split(env.get("CFLAGS", ""))
    cxx_only = [f for f in shlex.split(env.get("CXXFLAGS", ""))
                if f not in cflags]
    tag = re.sub(r"[^A-Za-z0-9]+", "-", env.get("SANITIZER", "custom"))
    return build.Toolchain(
        name=f"oss-fuzz-{tag}",
        flags=tuple(f for f in cflags if not COVERAGE_FLAG.match(f)),
        kernel_cc=env["CC"],
        coverage=tuple(f for f in cflags if COVERAGE_FLAG.match(f)),
        link=(*cxx_only, *shlex.split(env["LIB_FUZZING_ENGINE"])),
        link_cc=env["CXX"])


def _short(spec):
    """linux-6.12+/x/fix.patch -> 6_12_fix, /src/linux -> linux."""
    parts = [re.sub(r"^linux-|\.(patch|diff)$", "",
                    os.path.basename(os.path.normpath(p)))
             for p in spec.split("+")]
    return re.sub(r"[^A-Za-z0-9]+", "_", "_".join(parts)).strip("_")


def target_names(specs):
    """OSS-Fuzz target names allow [A-Za-z0-9_-]."""
    return "s2fuzz_" + "_vs_".join(_short(s) for s in specs)


def targets(specs):
    """The differential target first, then each kernel alone."""
    sets = [specs] if len(specs) > 1 else []
    return sets + [[s] for s in specs]


def _seed_zip(seeds, path):
    def write(tmp):
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for name in sorted(os.listdir(seeds)):
                z.write(os.path.join(seeds, name), name)
    files.write_atomically(path, write)


def _options(path):
    files.write_text(path, "[libfuzzer]\n"
                     f"max_len = {fuzz.MAX_LEN}\n"
                     f"timeout = {fuzz.TIMEOUT_S}\n")


def build_targets(env, build_dir):
    tc = oss_fuzz_toolchain(env)
    out = env["OUT"]
    specs = [s for s in env.get("S2FUZZ_KERNELS", ",".join(
        kernels.DEFAULT_KERNELS)).split(",") if s]
    resolved = {s: kernels.resolve(s, build_dir, _log) for s in specs}
    os.makedirs(out, exist_ok=True)
    builder = build.Builder(build_dir, tc)
    convert = build.Builder(build_dir, "none").program(
        "fuzz/convert.c", [], "s2convert")
    seeds = fuzz.seed_corpus(convert, os.path.join(build_dir, "seeds"), _log)
    dictionary = os.path.join(build.ROOT, "fuzz/s2.dict")
    for target in targets(specs):
        name = target_names(target)
        binary = builder.program(
            "fuzz/harness.c", [resolved[s] for s in target], name,
            extra=("fuzz/libfuzzer-mutator.c",),
            strict=len({kernels.base_spec(s) for s in target}) == 1)
        files.write_atomically(os.path.join(out, name),
                               lambda tmp: shutil.copyfile(binary, tmp),
                               0o755)
        _seed_zip(seeds, os.path.join(out, f"{name}_seed_corpus.zip"))
        files.write_atomically(os.path.join(out, f"{name}.dict"),
                               lambda tmp: shutil.copyfile(dictionary, tmp))
        _options(os.path.join(out, f"{name}.options"))
        _log(f"oss-fuzz: {os.path.join(out, name)} ({', '.join(target)})")


def main():
    try:
        build_targets(os.environ, os.path.join(build.ROOT, "build"))
    except UsageError as e:
        print(f"build.sh: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
