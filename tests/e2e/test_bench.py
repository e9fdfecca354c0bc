"""bench/run stays runnable with one command: a --quick run of the sections
CI can afford prints every table, with figures where they belong.  (Its
figures are measured, never asserted: the machines are noisy.)"""
import os
import re
import subprocess
import unittest

from tests.e2e.harness import ROOT, s2fuzz, write_seq

BENCH = os.path.join(ROOT, "bench", "run")
NUMBER = r"[\d,]+(?:\.\d+)?"


class QuickBench(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        proc = subprocess.run(
            [BENCH, "--quick", "--section", "harness", "--section", "scaling",
             "--section", "schedules", "--section", "peers"],
            capture_output=True, text=True, cwd=ROOT)
        cls.rc, cls.out, cls.err = proc.returncode, proc.stdout, proc.stderr

    def test_it_exits_0_and_says_how_long_it_took(self):
        self.assertEqual(self.rc, 0, self.err[-2000:])
        self.assertRegex(self.out, r"bench/run took \d+ s of wall time")

    def test_harness_gives_both_workloads_a_ratio_and_goals(self):
        self.assertRegex(self.out, r"(?m)^ratio harness/bare: \d\.\d{3}$")
        self.assertRegex(self.out, r"(?m)^ratio harness/bare, "
                         r"bench/perf-notes\.s2: \d\.\d{3}$")
        for workload in ("generated", "perf-notes"):
            self.assertRegex(self.out, rf"(?m)^goals, {workload}: ratio "
                             r"(met|not met) \(goal 0\.7\); harness execs/s "
                             r"(met|not met) \(goal 35,000(; the bare API "
                             rf"alone: {NUMBER})?\)")

    def test_scaling_has_every_case(self):
        for case in ("length-8", "length-128", "map-4K", "map-1G-block",
                     "map-2M-as-512x4K"):
            self.assertRegex(self.out, rf"(?m)^{case}\s+\d+\s+\S+\s+{NUMBER}")
        self.assertRegex(self.out, rf"(?m)^per added event \(events per "
                         rf"execution: {NUMBER}, {NUMBER}, {NUMBER}\): bare "
                         rf"{NUMBER} then {NUMBER} ns \({NUMBER}x\); oracle ")

    def test_schedules_are_counted_and_races_found(self):
        self.assertRegex(self.out, rf"(?m)^schedules/s, bytes\s+{NUMBER}\s+"
                         rf"{NUMBER}$")
        self.assertRegex(self.out, r"(?m)^6\.12-free-before-unlink\s+"
                         r"race-coalesce\.s2\s+\d")


class HarnessProgram(unittest.TestCase):
    def test_a_bad_sequence_file_is_one_line_and_exit_2(self):
        rc, out, err = s2fuzz("build", "--sanitizer", "none", "--main",
                              "bench/harness.c")
        self.assertEqual(rc, 0, err)
        harness = out.strip().splitlines()[-1]
        path = write_seq(self, "map 0x40000000 2M\n")
        proc = subprocess.run([harness, "--file", path, "10"],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1,
                         proc.stderr)
        self.assertIn(f"{path}:1:", proc.stderr)
        self.assertEqual(proc.stdout, "")
