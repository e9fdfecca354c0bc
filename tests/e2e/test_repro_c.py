"""s2fuzz repro-c: the C program builds with the command it documents, and
runs the kernel's own code: a planted leak is reported, a clean kernel is
clean, bad input is one line."""
import os
import subprocess
import tempfile
import unittest

from tests.e2e.harness import SEEDS, patch, s2fuzz, write_seq
from tests.e2e.test_replay import COALESCE


class ReproC(unittest.TestCase):
    def build_and_run(self, kernel, seq=COALESCE):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        out = os.path.join(tmp.name, "repro")
        rc, cc, err = s2fuzz("repro-c", "--kernel", kernel, "-o", out,
                             write_seq(self, seq))
        self.assertEqual(rc, 0, err)
        with open(out + ".c") as f:
            self.assertIn(cc.strip(), f.read(), "the file documents it")
        build = subprocess.run(cc, shell=True, capture_output=True,
                               text=True)
        self.assertEqual(build.returncode, 0, build.stderr[-2000:])
        return subprocess.run([out], capture_output=True, text=True)

    def test_the_program_reports_a_planted_leak(self):
        run = self.build_and_run(
            f"linux-6.12+{patch('6.12-leak-free-walker.patch')}")
        self.assertEqual(run.returncode, 1, run.stdout)
        self.assertIn("op 4: rc 0", run.stdout)
        self.assertRegex(run.stdout, r"FINDING leak: table page 0x\S+ \(L2, "
                                     r"IPA 0x40000000")

    def test_the_program_is_clean_on_a_clean_kernel(self):
        for kernel in ("linux-6.1", "linux-6.12"):
            with self.subTest(kernel=kernel):
                run = self.build_and_run(kernel)
                self.assertEqual(run.returncode, 0, run.stdout)
                self.assertNotIn("FINDING", run.stdout)

    def test_thread_lines_make_no_call_and_the_ops_run_in_order(self):
        with open(os.path.join(SEEDS, "parallel-faults.s2")) as f:
            run = self.build_and_run("linux-6.12", f.read())
        self.assertEqual(run.returncode, 0, run.stdout)
        ops = [line.split(":")[0] for line in run.stdout.splitlines()]
        self.assertEqual(ops, ["op 1", "op 2", "op 3", "op 5", "op 7",
                               "op 9"])

    def test_bad_reproducer_is_one_line(self):
        rc, out, err = s2fuzz("repro-c", write_seq(self, "map 0x1 4K\n"))
        self.assertEqual((rc, out), (2, ""))
        self.assertRegex(err.strip(), r"^s2fuzz: \S+:1: ")
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_an_output_in_a_missing_folder_is_one_line(self):
        out_dir = os.path.dirname(write_seq(self, ""))
        name = os.path.join(out_dir, "no-such-folder", "repro")
        rc, out, err = s2fuzz("repro-c", "-o", name,
                              os.path.join(SEEDS, "coalesce.s2"))
        self.assertEqual((rc, out), (2, ""))
        self.assertEqual(err.strip(),
                         f"s2fuzz: {name}.c: No such file or directory")


if __name__ == "__main__":
    unittest.main()
