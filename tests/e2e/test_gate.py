"""s2fuzz gate: planted bugs fail it with their signature, benign patches
pass, bad input is one line and exit 2."""
import glob
import os
import re
import tempfile
import time
import unittest

from tests.e2e.harness import PATCHES, s2fuzz, write_seq

# The first signature each planted bug gives the gate (the regression
# corpus, or fuzzing for the one no seed reaches).
PLANTED = {
    "6.1-refcount-put-pte.patch": r"diff-\w+-L\d-refcount|refcount-",
    "6.1-tlbi-missing-put-pte.patch": r"(bbm|tlbi|free)-",
    "6.12-bbm-table-break-one-ipa.patch": r"bbm-\w+-L2-stale",
    "6.12-cmo-no-dcache.patch": r"cmo-\w+-L\d-dcache",
    "6.12-device-as-normal.patch": r"model-\w+-L\d-(memtype|prot)",
    "6.12-eagain-aborts-walk.patch": r"(diff|model)-\w+",
    "6.12-free-before-tlbi.patch": r"(free|tlbi)-unmap-",
    "6.12-leak-free-walker.patch": r"leak-destroy-",
    "6.12-model-wrprotect-keeps-w.patch": r"model-wrprotect-L\d-prot",
    "6.12-uaf-stale-table.patch": r"asan-|model-|diff-|cmo-",
    "6.12-unmap-keeps-empty-tables.patch": r"diff-\w+-L\d-refcount",
    "6.12-warn-break-unlocked.patch": r"warn-\w+-pgtable\.c",
}
GATE_TIME = "60"


class Gate(unittest.TestCase):
    def gate(self, *args):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.results = os.path.join(tmp.name, "results")
        start = time.monotonic()
        rc, out, err = s2fuzz("gate", "--sanitizer", "none", "--corpus",
                              os.path.join(tmp.name, "corpus"), "--results",
                              self.results, *args)
        self.elapsed = time.monotonic() - start
        return rc, out, err

    def report(self):
        reports = glob.glob(os.path.join(self.results, "gate-*",
                                         "report.md"))
        self.assertEqual(len(reports), 1)
        with open(reports[0]) as f:
            return f.read()

    def test_every_planted_bug_fails_the_gate_with_its_signature(self):
        for name, expected in sorted(PLANTED.items()):
            with self.subTest(patch=name):
                base = "linux-" + name.split("-", 1)[0]
                rc, out, err = self.gate("--base", base, "--patch",
                                         os.path.join(PATCHES, name),
                                         "--time", GATE_TIME)
                self.assertEqual(rc, 1, out + err[-2000:])
                self.assertRegex(out, r"^gate: FAIL: [1-9]\d* new")
                new = re.findall(r"gate: NEW finding (\S+)", err)
                self.assertTrue(new, err[-2000:])
                self.assertRegex(new[0], expected)
                self.assertIn(f"`{new[0]}`", self.report())
                print(f"  {name}: FAIL in {self.elapsed:.0f} s ({new[0]})")

    def test_benign_patches_pass(self):
        # With the changed lines of pgtable.c that are code, and ran.
        coverage = {
            "6.12-comment.patch": "exercised 0 of 0 changed lines of "
                                  "pgtable.c (1 more changed lines are not "
                                  "code)",
            "6.12-rewrite-cacheable.patch": "exercised 4 of 4 changed lines",
        }
        for name, covered in sorted(coverage.items()):
            with self.subTest(patch=name):
                rc, out, err = self.gate(
                    "--base", "linux-6.12", "--patch",
                    os.path.join(PATCHES, "benign", name), "--time",
                    GATE_TIME)
                self.assertEqual(rc, 0, out + err[-3000:])
                self.assertRegex(out, r"^gate: PASS: 0 new, \d+ pre-existing"
                                      r".* [1-9]\d* fuzzing executions")
                self.assertIn("# s2fuzz gate: PASS", self.report())
                self.assertIn(covered, out)
                self.assertIn(covered, self.report())

    def test_a_patch_that_misses_pgtable_c_is_flagged(self):
        other = write_seq(self, "--- a/README\n+++ b/README\n@@ -1 +1 @@\n"
                          "-a\n+b\n", "readme.patch")
        rc, out, err = self.gate("--base", "linux-6.12", "--patch", other,
                                 "--time", "4")
        self.assertEqual(rc, 0, err[-2000:])
        self.assertIn("touches none of the files under test", err)
        self.assertIn("WARNING: the candidate changes no line of pgtable.c",
                      err)
        self.assertIn("the candidate changes no line of pgtable.c",
                      self.report())

    def test_bad_input_is_one_line_and_exit_2(self):
        bad_patch = write_seq(self, "--- a/arch/arm64/kvm/hyp/pgtable.c\n"
                              "+++ b/arch/arm64/kvm/hyp/pgtable.c\n"
                              "@@ -1,1 +1,1 @@\n-no such line\n+x\n",
                              "bad.patch")
        empty_tree = tempfile.TemporaryDirectory()
        self.addCleanup(empty_tree.cleanup)
        unknown_api = tempfile.TemporaryDirectory()
        self.addCleanup(unknown_api.cleanup)
        for f in ("arch/arm64/kvm/hyp/pgtable.c",
                  "arch/arm64/include/asm/kvm_pgtable.h",
                  "arch/arm64/include/asm/stage2_pgtable.h"):
            os.makedirs(os.path.dirname(os.path.join(unknown_api.name, f)),
                        exist_ok=True)
            open(os.path.join(unknown_api.name, f), "w").close()
        for args in (("--base", "linux-6.12", "--patch", bad_patch),
                     ("--base", "linux-6.12", "--tree", empty_tree.name),
                     ("--base", "linux-6.12", "--tree", unknown_api.name),
                     ("--base", "linux-6.12", "--patch", "/no/such.patch"),
                     ("--base", "linux-9.9", "--patch", bad_patch)):
            with self.subTest(args=args):
                rc, out, err = self.gate(*args, "--time", "5")
                self.assertEqual((rc, out), (2, ""), err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertFalse(glob.glob(os.path.join(self.results, "*")))


if __name__ == "__main__":
    unittest.main()
