"""build.sh under the OSS-Fuzz contract: the variables OSS-Fuzz's builder
sets, the targets and their files in $OUT, and each target run as
ClusterFuzzLite runs it."""
import os
import shutil
import subprocess
import tempfile
import unittest
import zipfile

from tests.e2e.harness import ROOT, patch

# As OSS-Fuzz sets them for libFuzzer with AddressSanitizer (its
# -stdlib=libc++ left out: Debian's clang has no libc++ installed).
ASAN_FLAGS = ("-O1 -fno-omit-frame-pointer -gline-tables-only "
              "-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address "
              "-fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link")


def oss_fuzz_env(out, **extra):
    return {**os.environ, "CC": "clang", "CXX": "clang++",
            "CFLAGS": ASAN_FLAGS, "CXXFLAGS": ASAN_FLAGS,
            "LIB_FUZZING_ENGINE": "-fsanitize=fuzzer", "OUT": out,
            "SANITIZER": "address", "FUZZING_ENGINE": "libfuzzer",
            "ARCHITECTURE": "x86_64", **extra}


def build_sh(env):
    return subprocess.run([os.path.join(ROOT, "build.sh")], cwd=ROOT,
                          env=env, capture_output=True, text=True)


def run_target(out, name, runs):
    """Unpacks the seed corpus and runs the target with its .options and
    .dict, as the OSS-Fuzz runner does (crash files land in out/)."""
    corpus = tempfile.mkdtemp(dir=out)
    with zipfile.ZipFile(os.path.join(out, f"{name}_seed_corpus.zip")) as z:
        z.extractall(corpus)
    options = []
    with open(os.path.join(out, f"{name}.options")) as f:
        for line in f:
            key, eq, value = line.partition("=")
            if eq:
                options.append(f"-{key.strip()}={value.strip()}")
    return subprocess.run(
        [os.path.join(out, name), f"-runs={runs}", *options,
         f"-artifact_prefix={out}/",
         f"-dict={os.path.join(out, name + '.dict')}", corpus],
        capture_output=True, text=True, errors="replace",
        env={**os.environ, "ASAN_OPTIONS": "detect_leaks=0"})


class OssFuzzContract(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.out = os.path.join(tmp.name, "out")

    def test_targets_land_in_out_and_run(self):
        proc = build_sh(oss_fuzz_env(self.out))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        names = ("s2fuzz_6_1_vs_6_12", "s2fuzz_6_1", "s2fuzz_6_12")
        for name in names:
            for suffix in ("", "_seed_corpus.zip", ".dict", ".options"):
                self.assertTrue(os.path.isfile(
                    os.path.join(self.out, name + suffix)), name + suffix)
            with zipfile.ZipFile(os.path.join(
                    self.out, f"{name}_seed_corpus.zip")) as z:
                self.assertGreater(len(z.namelist()), 3)
        for name in names:
            runs = 1000 if "_vs_" in name else 3000
            proc = run_target(self.out, name, runs)
            self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
            self.assertIn(f"Done {runs} runs", proc.stderr)

    def test_a_target_of_a_patched_kernel_crashes_on_its_seeds(self):
        spec = "linux-6.12+" + patch("6.12-cmo-no-dcache.patch")
        proc = build_sh(oss_fuzz_env(self.out, S2FUZZ_KERNELS=spec))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        proc = run_target(self.out, "s2fuzz_6_12_6_12_cmo_no_dcache", 0)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("FINDING cmo-", proc.stdout + proc.stderr)

    def test_in_a_kernel_tree_the_target_is_the_trees_own(self):
        """.clusterfuzzlite/build.sh in a kernel tree with s2fuzz beside."""
        tree = os.path.join(os.path.dirname(self.out), "linux")
        src = os.path.join(ROOT, "build", "kernels", "linux-6.12", "src")
        shutil.copytree(src, tree)
        os.symlink(ROOT, os.path.join(tree, "s2fuzz"))
        proc = subprocess.run(
            [os.path.join(ROOT, ".clusterfuzzlite", "build.sh")], cwd=tree,
            env=oss_fuzz_env(self.out), capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(sorted(f for f in os.listdir(self.out)
                                if "." not in f), ["s2fuzz_linux"])
        proc = run_target(self.out, "s2fuzz_linux", 300)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])

    def test_a_missing_variable_is_one_line_and_exit_2(self):
        env = oss_fuzz_env(self.out)
        del env["CXX"]
        proc = build_sh(env)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stderr.strip().count("\n"), 0, proc.stderr)
        self.assertIn("$CXX", proc.stderr)
        self.assertFalse(os.path.exists(self.out))


if __name__ == "__main__":
    unittest.main()
