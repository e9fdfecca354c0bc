"""Kernel specs: where the files under test come from, and which API they speak.

A spec is one of
  linux-6.1, linux-6.12   Debian's linux-source packages (the embedded defaults)
  DIR                     a kernel tree
  SPEC+PATCH              SPEC with PATCH applied (patch -p1) to a private copy
The three files under test are copied into build/kernels/<id>/src unmodified.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from .errors import UsageError

FILES = (
    "arch/arm64/kvm/hyp/pgtable.c",
    "arch/arm64/include/asm/kvm_pgtable.h",
    "arch/arm64/include/asm/stage2_pgtable.h",
)
EMBEDDED = {
    "linux-6.1": "linux-source-6.1",
    "linux-6.12": "linux-source-6.12",
}
DEFAULT_KERNELS = ("linux-6.1", "linux-6.12")


@dataclass(frozen=True)
class Kernel:
    spec: str      # as the user wrote it
    ident: str     # C identifier, unique per content
    src: str       # directory holding FILES
    api: str       # "walk-args" or "visit-ctx"


def _sha(*chunks):
    h = hashlib.sha1()
    for c in chunks:
        h.update(c if isinstance(c, bytes) else c.encode())
    return h.hexdigest()[:12]


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _publish(tmp, dest):
    """Replaces dest by the fully prepared tmp in one rename."""
    old = dest + ".old"
    if os.path.exists(old):
        shutil.rmtree(old)
    if os.path.exists(dest):
        os.rename(dest, old)
    os.rename(tmp, dest)
    if os.path.exists(old):
        shutil.rmtree(old)


def _embedded(spec, kernels_dir, warn):
    package = EMBEDDED[spec]
    tarball = f"/usr/src/{package}.tar.xz"
    if not os.path.exists(tarball):
        raise UsageError(f"{spec}: {tarball} not found; install it with: "
                         f"apt-get install {package} (or run ./build.sh as root)")
    st = os.stat(tarball)
    stamp = f"{tarball} {st.st_size} {int(st.st_mtime)}\n"
    dest = os.path.join(kernels_dir, spec)
    stamp_path = os.path.join(dest, "stamp")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        return dest
    warn(f"  EXTRACT {spec} from {tarball}")
    tmp = tempfile.mkdtemp(prefix=".extract-", dir=kernels_dir)
    members = [f"{package}/{f}" for f in FILES]
    try:
        subprocess.run(["tar", "-xJf", tarball, "-C", tmp, *members],
                       check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as e:
        shutil.rmtree(tmp)
        first = (e.stderr.strip().splitlines() or ["tar failed"])[0]
        raise UsageError(f"{spec}: cannot extract the files under test "
                         f"from {tarball}: {first}") from None
    os.rename(os.path.join(tmp, package), os.path.join(tmp, "src"))
    with open(os.path.join(tmp, "stamp"), "w") as f:
        f.write(stamp)
    _publish(tmp, dest)
    return dest


def _tree(spec, kernels_dir):
    root = os.path.abspath(spec)
    missing = [f for f in FILES if not os.path.isfile(os.path.join(root, f))]
    if missing:
        raise UsageError(f"{spec}: not a kernel tree: {missing[0]} is missing")
    contents = [_read(os.path.join(root, f)) for f in FILES]
    dest = os.path.join(kernels_dir, "tree-" + _sha(*contents))
    if not os.path.exists(dest):
        tmp = tempfile.mkdtemp(prefix=".copy-", dir=kernels_dir)
        for f, data in zip(FILES, contents):
            os.makedirs(os.path.dirname(os.path.join(tmp, "src", f)),
                        exist_ok=True)
            with open(os.path.join(tmp, "src", f), "wb") as out:
                out.write(data)
        _publish(tmp, dest)
    return dest


def _patch_sections(text):
    """Splits a unified diff into (target path, section text) per file."""
    sections, cur, path = [], [], None
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        starts_file = line.startswith("diff ") or (
            line.startswith("--- ") and i + 1 < len(lines)
            and lines[i + 1].startswith("+++ ")
            and not (cur and cur[-1].startswith("diff ")))
        if starts_file and cur:
            sections.append((path, "".join(cur)))
            cur, path = [], None
        cur.append(line)
        if line.startswith("+++ "):
            name = line[4:].split("\t")[0].strip()
            path = name.split("/", 1)[1] if "/" in name else name
    if cur:
        sections.append((path, "".join(cur)))
    return [(p, s) for p, s in sections if p is not None]


def _patched(base, patch, kernels_dir, warn):
    if not os.path.isfile(patch):
        raise UsageError(f"{patch}: no such patch file")
    text = _read(patch).decode("utf-8", "replace")
    relevant = [(p, s) for p, s in _patch_sections(text) if p in FILES]
    if not relevant:
        warn(f"warning: {patch} touches none of the files under test "
             f"({', '.join(os.path.basename(f) for f in FILES)}): "
             f"the candidate is the base")
    dest = os.path.join(kernels_dir, "patched-" + _sha(base.src, text))
    if os.path.exists(dest):
        return dest
    tmp = tempfile.mkdtemp(prefix=".patch-", dir=kernels_dir)
    shutil.copytree(os.path.join(base.src), os.path.join(tmp, "src"))
    if relevant:
        proc = subprocess.run(
            ["patch", "-p1", "--batch", "--forward", "--no-backup-if-mismatch",
             "--reject-file=-", "-d", os.path.join(tmp, "src")],
            input="".join(s for _, s in relevant), capture_output=True,
            text=True)
        if proc.returncode != 0:
            shutil.rmtree(tmp)
            raise UsageError(f"{patch}: {_patch_failure(proc.stdout + proc.stderr)}")
    _publish(tmp, dest)
    return dest


def _patch_failure(output):
    current = None
    for line in output.splitlines():
        m = re.match(r"patching file (\S+)", line)
        if m:
            current = m.group(1)
        m = re.match(r"Hunk #(\d+) FAILED at (\d+)", line)
        if m:
            return (f"hunk #{m.group(1)} of {current} does not apply "
                    f"(at line {m.group(2)})")
        if "Reversed (or previously applied) patch detected" in line:
            return f"{current} already has this change (reversed or applied patch)"
        if "malformed patch" in line or "Only garbage" in line:
            return f"not a patch: {line.strip()}"
    return "does not apply: " + (output.strip().splitlines() or ["patch failed"])[-1]


API_MARKERS = {
    # linux 6.12: visit contexts, shared walks, split, ranged ageing.
    "visit-ctx": ("struct kvm_pgtable_visit_ctx", "KVM_PGTABLE_WALK_SHARED",
                  "kvm_pgtable_stage2_split(", "kvm_pgtable_stage2_test_clear_young(",
                  "free_unlinked_table", "s8 *level"),
    # linux 6.1: visitors take (addr, end, level, ptep, flag, arg).
    "walk-args": ("kvm_pgtable_visitor_fn_t)(u64 addr, u64 end, u32 level",
                  "kvm_pgtable_stage2_mkold(", "u32 *level"),
}


def detect_api(spec, src):
    header = _read(os.path.join(src, FILES[1])).decode("utf-8", "replace")
    best, missing_best = None, None
    for api, markers in API_MARKERS.items():
        missing = [m for m in markers if m not in header]
        if not missing:
            return api
        if missing_best is None or len(missing) < len(missing_best):
            best, missing_best = api, missing
    raise UsageError(
        f"{spec}: unknown kvm_pgtable API generation (closest is {best}, "
        f"but kvm_pgtable.h lacks '{missing_best[0].rstrip('(')}'); s2fuzz "
        f"knows walk-args (linux 6.1) and visit-ctx (linux 6.12)")


def _split_patch(spec):
    """'BASE+PATCH' -> (BASE, PATCH) at the first '+' that names a file."""
    for i, ch in enumerate(spec):
        if ch == "+" and os.path.isfile(spec[i + 1:]):
            return spec[:i], spec[i + 1:]
    base, _, patch = spec.rpartition("+")
    return base, patch


def base_spec(spec):
    """The kernel a spec starts from: 'linux-6.12+a.patch' -> 'linux-6.12'."""
    while "+" in spec and not os.path.isdir(spec):
        spec = _split_patch(spec)[0]
    return spec


def resolve(spec, build_dir, warn):
    kernels_dir = os.path.join(build_dir, "kernels")
    os.makedirs(kernels_dir, exist_ok=True)
    if spec in EMBEDDED:
        root = _embedded(spec, kernels_dir, warn)
    elif os.path.isdir(spec):
        root = _tree(spec, kernels_dir)
    elif "+" in spec:
        base_spec, patch = _split_patch(spec)
        base = resolve(base_spec, build_dir, warn)
        root = _patched(base, patch, kernels_dir, warn)
    else:
        raise UsageError(f"{spec}: not a kernel spec (linux-6.1, linux-6.12, "
                         f"a kernel tree, or SPEC+PATCH)")
    src = os.path.join(root, "src")
    api = detect_api(spec, src)
    ident = "s2_target_" + _sha(*[_read(os.path.join(src, f)) for f in FILES])
    return Kernel(spec=spec, ident=ident, src=src, api=api)
