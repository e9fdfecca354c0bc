"""Bad input: one line saying what and where, exit 2, nothing left behind."""
import glob
import os
import re
import shutil
import tempfile
import unittest

from tests.e2e.harness import ROOT, dumps, patch, s2fuzz, write_seq

KERNEL_FILES = ("arch/arm64/kvm/hyp/pgtable.c",
                "arch/arm64/include/asm/kvm_pgtable.h",
                "arch/arm64/include/asm/stage2_pgtable.h")


class BadInput(unittest.TestCase):
    def assert_one_line_error(self, args, pattern):
        rc, out, err = s2fuzz(*args)
        self.assertEqual(rc, 2, out + err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertNotIn("Traceback", err)
        self.assertRegex(err.strip(), pattern)
        return err

    def replay_text(self, text):
        path = write_seq(self, text, "bad.s2")
        return ["replay", path]

    def test_unknown_op(self):
        self.assert_one_line_error(
            self.replay_text("map 0x0 4K 0x0 r\nmapp 0x0 4K\n"),
            r"^\S+/bad\.s2:2: unknown op 'mapp'$")

    def test_bad_number(self):
        self.assert_one_line_error(self.replay_text("# hi\nunmap 0x1g 4K\n"),
                                   r"^\S+/bad\.s2:2: bad number '0x1g'$")

    def test_missing_argument(self):
        self.assert_one_line_error(self.replay_text("map 0x0 4K 0x1000\n"),
                                   r"^\S+/bad\.s2:1: map: missing argument PROT$")

    def test_ipa_beyond_the_ipa_size(self):
        self.assert_one_line_error(
            self.replay_text("ipa-bits 32\nmap 0x100000000 4K 0x0 r\n"),
            r"^\S+/bad\.s2:2: .*beyond the 32-bit IPA space$")

    def test_bad_file_runs_nothing(self):
        good = write_seq(self, "map 0x0 4K 0x0 r\n", "good.s2")
        bad = write_seq(self, "frobnicate\n", "bad.s2")
        rc, out, err = s2fuzz("replay", "--trace", good, bad)
        self.assertEqual((rc, out), (2, ""), err)

    def test_missing_reproducer(self):
        self.assert_one_line_error(["replay", "/nonexistent/x.s2"],
                                   r"^/nonexistent/x\.s2: No such file")

    def test_unknown_kernel_spec(self):
        self.assert_one_line_error(
            ["replay", "--kernels", "linux-5.4", "x.s2"],
            r"^s2fuzz: linux-5\.4: not a kernel spec")


class BadKernels(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.seq = write_seq(self, "map 0x0 4K 0x0 r\n")

    def tree(self, name="tree"):
        src = os.path.join(ROOT, "build/kernels/linux-6.12/src")
        dst = os.path.join(self.tmp, name)
        for f in KERNEL_FILES:
            os.makedirs(os.path.dirname(os.path.join(dst, f)), exist_ok=True)
            shutil.copy(os.path.join(src, f), os.path.join(dst, f))
        return dst

    def leftovers(self):
        return glob.glob(os.path.join(ROOT, "build/kernels/.*"))

    def test_patch_that_does_not_apply_names_the_hunk(self):
        bad = os.path.join(self.tmp, "stale.patch")
        with open(patch("6.12-warn-break-unlocked.patch")) as f:
            text = f.read().replace("\tif (!stage2_try_set_pte(ctx, KVM_INVALID",
                                    "\tif (!stage2_try_set_pte(ctx2, KVM_INVALID")
        with open(bad, "w") as f:
            f.write(text)
        rc, out, err = s2fuzz("replay", "--kernels", f"linux-6.12+{bad}",
                              self.seq)
        self.assertEqual(rc, 2, out + err)
        self.assertRegex(err.strip(), rf"^s2fuzz: {re.escape(bad)}: hunk #1 of "
                         r"arch/arm64/kvm/hyp/pgtable\.c does not apply "
                         r"\(at line \d+\)$")
        self.assertEqual(self.leftovers(), [])

    def test_patch_that_touches_no_file_under_test_warns(self):
        other = os.path.join(self.tmp, "mmu.patch")
        with open(other, "w") as f:
            f.write("--- a/arch/arm64/kvm/mmu.c\n+++ b/arch/arm64/kvm/mmu.c\n"
                    "@@ -1 +1 @@\n-a\n+b\n")
        rc, out, err = s2fuzz("replay", "--kernels", f"linux-6.12+{other}",
                              self.seq)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("touches none of the files under test", err)

    def test_tree_of_an_unknown_api_is_refused(self):
        tree = self.tree()
        header = os.path.join(tree, KERNEL_FILES[1])
        with open(header) as f:
            text = f.read().replace("kvm_pgtable_stage2_split(",
                                    "kvm_pgtable_stage2_shatter(")
        with open(header, "w") as f:
            f.write(text)
        rc, out, err = s2fuzz("replay", "--kernels", tree, self.seq)
        self.assertEqual(rc, 2, out + err)
        self.assertEqual(err.strip(), f"s2fuzz: {tree}: unknown kvm_pgtable "
                         "API generation (closest is visit-ctx, but "
                         "kvm_pgtable.h lacks 'kvm_pgtable_stage2_split'); "
                         "s2fuzz knows walk-args (linux 6.1) and visit-ctx "
                         "(linux 6.12)")

    def test_tree_missing_a_file_is_refused(self):
        tree = self.tree()
        os.unlink(os.path.join(tree, KERNEL_FILES[2]))
        rc, out, err = s2fuzz("replay", "--kernels", tree, self.seq)
        self.assertEqual(rc, 2, out + err)
        self.assertEqual(err.strip(), f"s2fuzz: {tree}: not a kernel tree: "
                         f"{KERNEL_FILES[2]} is missing")

    def test_a_kernel_tree_replays_like_its_package(self):
        tree = self.tree()
        rc, out, err = s2fuzz("replay", "--dump", "--kernels",
                              f"linux-6.12,{tree}", self.seq)
        self.assertEqual(rc, 0, out + err)
        d = dumps(out)
        self.assertEqual(d["linux-6.12"], ["map 0x0 4K 0x0 r # L3"])
        self.assertEqual(d[tree], d["linux-6.12"])


if __name__ == "__main__":
    unittest.main()
