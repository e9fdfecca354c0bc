"""Which lines of pgtable.c a patch changed, and which of them the gate ran.

The changed lines come from comparing the candidate's pgtable.c with the
base's (so a patch and a tree are handled alike); the executed ones from a
build with clang's source-based coverage, replaying what the gate ran (the
regression reproducers and the fuzzing corpora) on the candidate alone,
then llvm-profdata and llvm-cov.
"""
import difflib
import glob
import os
import re
import shutil
import subprocess
import tempfile

from . import fuzz

PGTABLE = "arch/arm64/kvm/hyp/pgtable.c"
# llvm-cov show: "  LINE|  COUNT|source"; no count on lines that are not code.
SHOW_LINE = re.compile(r"^\s*(\d+)\|\s*([0-9.]+[kMGTE]?)?\|", re.M)


def changed_lines(base, candidate):
    """Line numbers of the candidate's pgtable.c the change touched (for a
    deletion, the line after it)."""
    with open(os.path.join(base.src, PGTABLE)) as f:
        old = f.readlines()
    with open(os.path.join(candidate.src, PGTABLE)) as f:
        new = f.readlines()
    lines = set()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            lines.update(range(j1 + 1, j2 + 1))
        elif tag == "delete":
            lines.add(j1 + 1)
    return sorted(lines)


def _tool(name):
    path = shutil.which(name) or shutil.which(f"{name}-14")
    if not path:
        raise FileNotFoundError(f"{name} not found (apt-get install llvm)")
    return path


def executed_lines(candidate, texts, raw_dirs, build_dir):
    """{line: count} of the candidate's pgtable.c over the given text
    reproducers and raw inputs (lines that are not code are absent)."""
    tools = fuzz.triage_tools("coverage", [candidate], True, build_dir)
    raws = [p for d in raw_dirs for p in glob.glob(os.path.join(d, "*"))]
    with tempfile.TemporaryDirectory(prefix="s2fuzz-cov-") as tmp:
        env = dict(tools.env(),
                   LLVM_PROFILE_FILE=os.path.join(tmp, "%p.profraw"))
        for cmd, files in ((tools.replay, texts), (tools.standalone, raws)):
            # Batches keep argv short; a finding only ends its batch early.
            for i in range(0, len(files), 200):
                subprocess.run([cmd, *files[i:i + 200]], env=env,
                               capture_output=True)
        profiles = glob.glob(os.path.join(tmp, "*.profraw"))
        if not profiles:
            return {}
        merged = os.path.join(tmp, "merged.profdata")
        subprocess.run([_tool("llvm-profdata"), "merge", "-sparse", "-o",
                        merged, *profiles], check=True, capture_output=True)
        show = subprocess.run(
            [_tool("llvm-cov"), "show", tools.replay,
             f"-instr-profile={merged}",
             os.path.join(candidate.src, PGTABLE)],
            capture_output=True, text=True, check=True)
    counts = {}
    for line, count in SHOW_LINE.findall(show.stdout):
        if count:
            counts[int(line)] = 0 if count == "0" else 1
    return counts
