"""What the end-to-end tests share: running the s2fuzz command line."""
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
S2FUZZ = os.path.join(ROOT, "s2fuzz")
SEEDS = os.path.join(ROOT, "corpus", "seeds")
PATCHES = os.path.join(ROOT, "tests", "patches")


def s2fuzz(*args):
    """Runs s2fuzz; returns (exit status, stdout, stderr)."""
    proc = subprocess.run([S2FUZZ, *args], capture_output=True, text=True,
                          cwd=ROOT)
    return proc.returncode, proc.stdout, proc.stderr


def seed(name):
    return os.path.join(SEEDS, name)


def patch(name):
    return os.path.join(PATCHES, name)


def write_seq(testcase, text, name="seq.s2"):
    """A reproducer in a temporary directory that lives as long as the test."""
    tmp = tempfile.TemporaryDirectory()
    testcase.addCleanup(tmp.cleanup)
    path = os.path.join(tmp.name, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def dumps(stdout):
    """Splits `replay --dump` output into {kernel spec: [mapping lines]}."""
    out, current = {}, None
    for line in stdout.splitlines():
        if line.startswith("# "):
            current = line[2:]
            out[current] = []
        elif current is not None and line.startswith(("map ", "owner ")):
            out[current].append(line)
    return out


def traces(stdout):
    """Splits `replay --trace` output into {(kernel, op number): [events]}."""
    out, key = {}, None
    for line in stdout.splitlines():
        if not line.startswith(" "):
            parts = line.split(" ")
            key = (parts[0], int(parts[2].rstrip(":"))) if (
                len(parts) > 2 and parts[1] == "op") else (parts[0], line)
            out[key] = []
        elif key is not None:
            out[key].append(line.strip())
    return out
