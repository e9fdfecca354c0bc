"""Each check the runtime owns catches the bug it exists for, planted as a
patch to the extracted kernel file (tests/patches/)."""
import unittest

from tests.e2e.harness import patch, s2fuzz, write_seq
from tests.e2e.test_replay import COALESCE


class PlantedBugs(unittest.TestCase):
    def replay(self, kernel_patch, text, base="linux-6.12"):
        path = write_seq(self, text)
        return s2fuzz("replay", "--kernels", f"{base}+{patch(kernel_patch)}",
                      path)

    def test_leak_at_destroy_is_caught(self):
        rc, out, err = self.replay("6.12-leak-free-walker.patch", COALESCE)
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(out, r"FINDING leak-destroy-L2-page .*\n  table page "
                              r"0x\S+ \(L2, IPA 0x40000000")

    def test_use_after_free_of_an_unlinked_table_is_caught(self):
        rc, out, err = self.replay("6.12-uaf-stale-table.patch", COALESCE)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("AddressSanitizer: use-after-poison", err)
        self.assertRegex(err, r"in __kvm_pgtable_visit \S+/pgtable\.c:\d+")

    def test_warn_in_kernel_code_is_caught(self):
        rc, out, err = self.replay("6.12-warn-break-unlocked.patch",
                                   "map 0x40000000 4K 0x80000000 rw\n")
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(out, r"FINDING warn-map-pgtable\.c:\d+ \S+ op 1 `map "
                              r"0x40000000 4K 0x80000000 rw`\n  WARN_ON\(!stage2_"
                              r"pte_is_locked\(\*ctx->ptep\)\) at \S+/pgtable\.c:\d+")
        self.assertEqual(out.count("FINDING warn-map"), 1, "one per op")

    def test_refcount_out_of_step_with_entries_is_caught(self):
        rc, out, err = self.replay("6.1-refcount-put-pte.patch",
                                   COALESCE + "unmap 0x40000000 4M\n",
                                   base="linux-6.1")
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(out, r"FINDING refcount-unmap-L2-count \S+ op 5 `unmap "
                              r"0x40000000 4M`\n  table page \S+ \(L2, IPA "
                              r"0x40000000\) has refcount 3 but 1 non-zero "
                              r"entries")

    def test_the_same_sequences_are_clean_without_the_patches(self):
        for base in ("linux-6.1", "linux-6.12"):
            path = write_seq(self, COALESCE + "unmap 0x40000000 4M\n")
            rc, out, err = s2fuzz("replay", "--kernels", base, path)
            self.assertEqual((rc, out), (0, ""), err)


if __name__ == "__main__":
    unittest.main()
