"""Replaying reproducers on linux-6.1 and linux-6.12: every op, coalescing."""
import re
import unittest

from tests.e2e.harness import dumps, s2fuzz, seed, traces, write_seq

COALESCE = """\
map 0x40000000 4K 0x80000000 rw
map 0x40001000 4K 0x80001000 rw
map 0x40200000 4K 0x80200000 rw
map 0x40000000 2M 0x80000000 rwx
"""


def first_index(events, pattern):
    for i, e in enumerate(events):
        if re.search(pattern, e):
            return i
    raise AssertionError(f"no event matches {pattern!r} in {events}")


class EveryOp(unittest.TestCase):
    def test_every_op_replays_clean_on_both_kernels(self):
        rc, out, err = s2fuzz("replay", "--trace", seed("every-op.s2"))
        self.assertEqual(rc, 0, out + err)
        self.assertNotIn("FINDING", out)
        ops = {k: v for k, v in traces(out).items() if isinstance(k[1], int)}
        self.assertEqual(len(ops), 2 * 14, "each kernel ran every op, destroy")

    def test_split_is_unsupported_on_6_1_and_splits_on_6_12(self):
        rc, out, _ = s2fuzz("replay", "--trace", seed("every-op.s2"))
        t = traces(out)
        self.assertIn("=> unsupported", t[("linux-6.1", 9)])
        self.assertIn("=> 0", t[("linux-6.12", 9)])
        self.assertTrue(any("valid 0xc0001000" in e for e in t[("linux-6.12", 9)]))

    def test_empty_memcache_fails_the_fault_with_enomem(self):
        _, out, _ = s2fuzz("replay", "--trace", seed("every-op.s2"))
        t = traces(out)
        for kernel in ("linux-6.1", "linux-6.12"):
            self.assertIn("=> -ENOMEM", t[(kernel, 12)])
            self.assertIn("alloc     failed", t[(kernel, 12)])
            self.assertFalse(any(e.startswith("alloc     table")
                                 for e in t[(kernel, 12)]))

    def test_wrprotect_is_followed_by_the_callers_flush(self):
        _, out, _ = s2fuzz("replay", "--trace", seed("every-op.s2"))
        for kernel in ("linux-6.1", "linux-6.12"):
            self.assertEqual(traces(out)[(kernel, 2)][-2],
                             "tlbi      vmid (KVM's caller)")


class Coalesce(unittest.TestCase):
    def setUp(self):
        self.path = write_seq(self, COALESCE)

    def test_coalescing_replays_clean_with_identical_dumps(self):
        rc, out, err = s2fuzz("replay", "--dump", self.path)
        self.assertEqual(rc, 0, out + err)
        d = dumps(out)
        self.assertEqual(d["linux-6.1"], d["linux-6.12"])
        self.assertEqual(d["linux-6.1"], [
            "map 0x40000000 2M 0x80000000 rwx # L2",
            "map 0x40200000 4K 0x80200000 rw # L3"])

    def test_6_1_clears_flushes_drops_installs_then_frees(self):
        _, out, _ = s2fuzz("replay", "--trace", "--kernels", "linux-6.1",
                           self.path)
        ev = traces(out)[("linux-6.1", 4)]
        clear = first_index(ev, r"^store +L2 ipa 0x40000000 .*: table \S+ -> 0$")
        flush = first_index(ev, r"^tlbi +vmid$")
        drop = first_index(ev, r"^put +table 0x800000003000 -> count 2$")
        block = first_index(ev, r"-> block 0x80000000 rwx")
        free = first_index(ev, r"^free +table 0x800000003000")
        self.assertEqual([clear, flush, drop, block, free],
                         sorted([clear, flush, drop, block, free]), ev)

    def test_6_12_breaks_flushes_installs_then_frees_the_subtree(self):
        _, out, _ = s2fuzz("replay", "--trace", "--kernels", "linux-6.12",
                           self.path)
        ev = traces(out)[("linux-6.12", 4)]
        brk = first_index(ev, r"^store +L2 ipa 0x40000000 .*: table \S+ -> locked$")
        flush = first_index(ev, r"^tlbi +(vmid|range 0x40000000 \+512 pages)$")
        block = first_index(ev, r"locked -> block 0x80000000 rwx")
        unlinked = first_index(ev, r"^free-unlinked table 0x800000003000")
        free = first_index(ev, r"^free +table 0x800000003000")
        self.assertEqual([brk, flush, block, unlinked, free],
                         sorted([brk, flush, block, unlinked, free]), ev)

    def test_6_12_uses_a_range_tlbi_when_the_cpu_has_one(self):
        path = write_seq(self, "features tlb-range\n" + COALESCE)
        _, out, _ = s2fuzz("replay", "--trace", "--kernels", "linux-6.12", path)
        self.assertIn("tlbi      range 0x40000000 +512 pages",
                      traces(out)[("linux-6.12", 4)])


if __name__ == "__main__":
    unittest.main()
