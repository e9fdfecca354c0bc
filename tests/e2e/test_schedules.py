"""Concurrent sections under the scheduler: the same schedule replays the
same interleaving, schedule fuzzing finds races planted in the kernel file
and none in the clean kernels, the simulated MMU measures fault windows, and
ThreadSanitizer's free-running mode finds a planted data race."""
import hashlib
import os
import re
import unittest

from tests.e2e.harness import patch, s2fuzz, seed, write_seq


def seed_text(name):
    with open(seed(name)) as f:
        return f.read()


RACE = seed_text("race-table-install.s2")
COALESCE_RACE = seed_text("race-coalesce.s2")

# Faults, a permission fault, an unmap and dirty logging on three threads.
MIXED = """\
map 0x40000000 2M 0x80000000 rw
fault 0x40200000 rw page
fault 0x40201000 r page
thread 1
fault 0x40200000 rwx
fault 0x40400000 rw
thread 2
fault 0x40201000 rw page
unmap 0x40000000 4K
thread 3
wrprotect 0x40000000 8M
fault 0x40202000 rw
"""

SCHEDULE_FOUND = re.compile(r"^# schedule (\d+) \((\d+) tried\): (\S+)$", re.M)


def replay_binary(kernels="linux-6.1,linux-6.12"):
    rc, out, err = s2fuzz("build", "--kernels", kernels)
    assert rc == 0, err
    return out.strip().splitlines()[-1]


class Determinism(unittest.TestCase):
    def traces_of(self, path, times):
        """The trace of each of `times` replays in one process, hashed."""
        import subprocess
        proc = subprocess.run([replay_binary(), "--trace", *[path] * times],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr[-2000:])
        chunks = re.split(rf"^{re.escape(path)}: clean\n", proc.stdout,
                          flags=re.M)[:-1]
        self.assertEqual(len(chunks), times)
        return chunks

    def test_100_replays_of_a_concurrent_reproducer_are_identical(self):
        path = seed("parallel-faults.s2")
        chunks = self.traces_of(path, 100)
        hashes = {hashlib.sha256(c.encode()).hexdigest() for c in chunks}
        self.assertEqual(len(hashes), 1)
        # The schedule interleaves the threads: thread 2 runs between two
        # events of thread 1.
        threads = re.findall(r"^  (t\d)", chunks[0], re.M)
        first_t1, last_t1 = threads.index("t1"), len(threads) - 1 - \
            threads[::-1].index("t1")
        self.assertIn("t2", threads[first_t1:last_t1])
        # ... and the same in another process.
        _, out, _ = s2fuzz("replay", "--trace", path)
        self.assertEqual(hashlib.sha256(out.encode()).hexdigest(),
                         hashlib.sha256(chunks[0].encode()).hexdigest())

    def test_pct_schedules_replay_identically_and_depend_on_the_seed(self):
        a = write_seq(self, "schedule pct 5 3\n" + RACE, "a.s2")
        b = write_seq(self, "schedule pct 6 3\n" + RACE, "b.s2")
        chunks = self.traces_of(a, 20)
        self.assertEqual(len(set(chunks)), 1)
        self.assertNotEqual(self.traces_of(b, 2)[0], chunks[0])


class ScheduleFuzzing(unittest.TestCase):
    def sweep(self, kernels, text, count, *extra):
        path = write_seq(self, text)
        return s2fuzz("replay", "--kernels", kernels, "--schedules",
                      str(count), *extra, path)

    def finds_within(self, spec, text, count, signature):
        rc, out, err = self.sweep(spec, text, count)
        self.assertEqual(rc, 1, out[-2000:] + err[-2000:])
        m = SCHEDULE_FOUND.search(out)
        self.assertTrue(m, out[:2000])
        self.assertLessEqual(int(m.group(2)), count)
        self.assertRegex(m.group(3), signature)
        # What it prints is a reproducer: with its schedule line, it
        # replays to the same finding.
        repro = out[m.end():out.index("FINDING")]
        self.assertIn("schedule ", repro)
        rc, again, err = s2fuzz("replay", "--kernels", spec,
                                write_seq(self, repro, "found.s2"))
        self.assertEqual(rc, 1, err)
        self.assertIn(f"FINDING {m.group(3)} ", again)

    def test_finds_planted_lost_update(self):
        # A plain store instead of cmpxchg in shared walks: a vCPU
        # overwrites the table another vCPU installed.
        self.finds_within(
            f"linux-6.12+{patch('6.12-lost-update-shared-store.patch')}",
            RACE, 2000, r"^(bbm|refcount|warn|leak|free)-fault-")

    def test_finds_planted_free_before_unlink(self):
        self.finds_within(
            f"linux-6.12+{patch('6.12-free-before-unlink.patch')}",
            COALESCE_RACE, 2000, r"^(free|use-after-free|mmu)-fault-")

    def test_clean_6_12_stays_clean_under_10000_random_schedules(self):
        rc, out, err = self.sweep("linux-6.12", RACE + "thread 0\n" + COALESCE_RACE.replace(
            "0x402", "0x406"), 10000)
        self.assertEqual(rc, 0, out[-3000:])
        self.assertIn("schedules: 10000/10000, 0 findings", err)

    def test_clean_kernels_stay_clean_under_pct_schedules(self):
        rc, out, err = self.sweep("linux-6.1,linux-6.12", MIXED, 1500,
                                  "--pct", "3")
        self.assertEqual(rc, 0, out[-3000:])
        self.assertIn("schedules: 1500/1500, 0 findings", err)

    def test_bad_options_get_one_line(self):
        path = write_seq(self, RACE)
        for args, what in ((("--schedules", "10", path, path), "one FILE"),
                           (("--schedules", "0", path), "at least 1"),
                           (("--pct", "3", path), "needs --schedules"),
                           (("--schedules", "5", "--pct", "0", path),
                            "depth is 1 to 16")):
            rc, out, err = s2fuzz("replay", *args)
            self.assertEqual((rc, out), (2, ""), err)
            self.assertIn(what, err)
            self.assertEqual(len(err.strip().splitlines()), 1, err)


class FaultWindow(unittest.TestCase):
    def test_6_1_leaves_mapped_ipas_faulting_longer_than_6_12(self):
        rc, out, err = s2fuzz("replay", "--fault-window",
                              seed("coalesce-window.s2"))
        self.assertEqual(rc, 0, out + err)
        faults = {k: int(n) for k, n in re.findall(
            r"^FAULT-WINDOW (\S+) op 2 `[^`]*`: (\d+) of \d+", out, re.M)}
        self.assertEqual(set(faults), {"linux-6.1", "linux-6.12"}, out)
        self.assertGreater(faults["linux-6.1"], 10 * faults["linux-6.12"])


class ThreadSanitizer(unittest.TestCase):
    def tsan(self, spec, text):
        return s2fuzz("replay", "--tsan", "--kernels", spec,
                      write_seq(self, text))

    def test_finds_planted_data_race(self):
        # Free-running threads race only when they overlap: a few runs.
        spec = f"linux-6.12+{patch('6.12-plain-store-shared.patch')}"
        for _ in range(10):
            rc, out, err = self.tsan(spec, RACE)
            if "ThreadSanitizer: data race" in err:
                break
        self.assertEqual(rc, 1, err[-2000:])
        self.assertIn("ThreadSanitizer: data race", err)
        self.assertIn("stage2_try_set_pte", err)

    def test_clean_6_12_has_no_unsuppressed_race(self):
        for _ in range(5):
            rc, out, err = self.tsan("linux-6.12", RACE + "thread 0\n" +
                                         COALESCE_RACE.replace("0x402",
                                                               "0x406"))
            self.assertEqual(rc, 0, err[-3000:])
            self.assertNotIn("FINDING", out)

    def test_fuzz_tsan_keeps_what_it_finds_and_stays_clean_on_clean(self):
        import tempfile
        with tempfile.TemporaryDirectory() as results:
            rc, _, err = s2fuzz("fuzz", "--tsan", "--runs", "200",
                                "--kernels", "linux-6.12", "--results",
                                results)
            self.assertEqual(rc, 0, err[-2000:])
            self.assertIn("200 sequences, 0 new findings", err)
            self.assertEqual(os.listdir(results), [])
            rc, _, err = s2fuzz(
                "fuzz", "--tsan", "--runs", "400", "--kernels",
                f"linux-6.12+{patch('6.12-plain-store-shared.patch')}",
                "--results", results)
            self.assertEqual(rc, 1, err[-2000:])
            found = os.listdir(results)
            self.assertTrue(found)
            with open(os.path.join(results, found[0], "repro.s2")) as f:
                self.assertRegex(f.read(), r"(?m)^(map|fault|unmap) ")


if __name__ == "__main__":
    unittest.main()
