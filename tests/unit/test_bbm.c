// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of oracle/bbm.c: for each rule of ORACLE-RULES §1 and §2, an op
 * that breaks it and one that keeps it, driven through the real runtime
 * (its pool, its PTE stores and TLBIs, its event log) as a kernel would.
 */
#include <stdbool.h>

#include "../../oracle/desc.h"
#include "../../oracle/oracle.h"
#include "check.h"

#define MIB (1ULL << 20)
#define PAGES(size) ((size) / S2_PAGE_SIZE)
/* Guest memory: above every IPA, never a table page. */
#define GUEST_PA (1ULL << 44)
/* Normal write-back, inner shareable, young, read-write. */
#define LEAF_BITS                                                              \
	(S2_DESC_VALID | (0xfULL << S2_DESC_MEMATTR_SHIFT) | S2_DESC_SH_MASK | \
	 S2_DESC_AF | S2_DESC_S2AP_R | S2_DESC_S2AP_W)
#define DESTROY (-1)

/*
 * A VM with a 40-bit IPA space starting at level 1 (two PGD pages), where
 * [0, 2M) is translated by pgd[0] -> l2, l2[0] -> l3, and l3 maps the
 * pages at IPA 0 and 4K.
 */
static struct {
	struct s2rt_ctx *ctx;
	struct s2o_bbm *bbm;
	uint64_t *pgd, *l2, *l3;
	struct s2o_report r;
} vm;

static uint64_t table_desc(uint64_t *table)
{
	return s2rt_virt_to_phys(table) | S2_DESC_VALID | S2_DESC_TABLE;
}

static uint64_t block_desc(uint64_t pa)
{
	return pa | LEAF_BITS;
}

static uint64_t page_desc(uint64_t pa)
{
	return pa | LEAF_BITS | S2_DESC_TABLE;
}

static void store(uint64_t *ptep, uint64_t val)
{
	s2rt_store(ptep, val, false);
}

static void print_findings(void)
{
	for (unsigned int i = 0; i < vm.r.nr; i++)
		fprintf(stderr, "  finding %s/%s L%d: %s\n",
			vm.r.findings[i].check, vm.r.findings[i].field,
			vm.r.findings[i].level, vm.r.findings[i].msg);
}

/* Judges the events since the last op as one op of this kind. */
static void judge(int kind)
{
	struct s2_op op = { .kind = kind };
	struct s2o_opinfo info = { .op = kind == DESTROY ? NULL : &op };

	info.events = s2rt_events(&info.nr_events);
	vm.r = (struct s2o_report){ .info = &info };
	s2o_bbm_check(vm.bbm, &info, &vm.r);
	vm.r.info = NULL;
	s2rt_events_clear();
}

static bool clean(void)
{
	if (vm.r.nr)
		print_findings();
	return !vm.r.nr;
}

/* Exactly one finding, of this check and field. */
static bool only(const char *check, const char *field)
{
	bool ok = vm.r.nr == 1 && !strcmp(vm.r.findings[0].check, check) &&
		  !strcmp(vm.r.findings[0].field, field);

	if (!ok)
		print_findings();
	return ok;
}

static void setup(void)
{
	vm.ctx = s2rt_ctx_create(0);
	s2rt_ctx_enter(vm.ctx);
	vm.pgd = s2rt_pages_exact_alloc(2 * S2_PAGE_SIZE);
	s2rt_set_root(vm.pgd, 1, 40);
	/* As fuzz/run.c does: init is not judged. */
	s2rt_events_clear();
	vm.bbm = s2o_bbm_create();
	vm.l2 = s2rt_page_alloc();
	vm.l3 = s2rt_page_alloc();
	store(&vm.pgd[0], table_desc(vm.l2));
	store(&vm.l2[0], table_desc(vm.l3));
	store(&vm.l3[0], page_desc(GUEST_PA));
	store(&vm.l3[1], page_desc(GUEST_PA + S2_PAGE_SIZE));
	judge(S2_OP_MAP);
	CHECK(clean());
}

static void teardown(void)
{
	s2o_bbm_free(vm.bbm);
	s2rt_ctx_free(vm.ctx);
}

/* Unmaps l3's two pages, each with its hinted TLBI, leaving l3 empty. */
static void empty_l3(void)
{
	for (unsigned int i = 0; i < 2; i++) {
		store(&vm.l3[i], 0);
		s2rt_tlbi_ipa(NULL, i * S2_PAGE_SIZE, 3, false);
	}
	judge(S2_OP_UNMAP);
	CHECK(clean());
}

/* --- coalescing a table into a block -------------------------------------- */

/* 6.1: clear the table entry, flush the VMID, install the block, free. */
TEST(test_bbm_61_coalesce_is_clean)
{
	setup();
	store(&vm.l2[0], 0);
	s2rt_tlbi_vmid(NULL);
	store(&vm.l2[0], block_desc(GUEST_PA));
	s2rt_page_put(vm.l3);
	judge(S2_OP_MAP);
	CHECK(clean());
	teardown();
}

/* 6.12: lock, flush the table's range, install the block, free_unlinked. */
TEST(test_bbm_612_coalesce_is_clean)
{
	setup();
	store(&vm.l2[0], S2_DESC_LOCKED);
	s2rt_tlbi_range(NULL, 0, PAGES(2 * MIB));
	store(&vm.l2[0], block_desc(GUEST_PA));
	s2rt_note_free_unlinked(vm.l3, 2);
	s2rt_page_put(vm.l3);
	judge(S2_OP_MAP);
	CHECK(clean());
	teardown();
}

/* Invalidating one IPA leaves the subtree's other leaves in the TLB. */
TEST(test_bbm_catches_merge_flushing_one_ipa)
{
	setup();
	store(&vm.l2[0], S2_DESC_LOCKED);
	s2rt_tlbi_ipa(NULL, 0, -1, false);
	store(&vm.l2[0], block_desc(GUEST_PA));
	s2rt_note_free_unlinked(vm.l3, 2);
	s2rt_page_put(vm.l3);
	judge(S2_OP_MAP);
	CHECK(only("bbm", "stale"));
	teardown();
}

/* ... unless the subtree holds nothing valid (CM all_children_invalid). */
TEST(test_bbm_merge_of_empty_table_by_one_ipa_is_clean)
{
	setup();
	empty_l3();
	store(&vm.l2[0], S2_DESC_LOCKED);
	s2rt_tlbi_ipa(NULL, 0x5000, -1, false);
	store(&vm.l2[0], block_desc(GUEST_PA));
	s2rt_note_free_unlinked(vm.l3, 2);
	s2rt_page_put(vm.l3);
	judge(S2_OP_MAP);
	CHECK(clean());
	teardown();
}

/* --- the per-entry state machine ----------------------------------------- */

TEST(test_bbm_catches_missing_tlbi)
{
	setup();
	store(&vm.l3[1], 0);
	store(&vm.l3[1], page_desc(GUEST_PA + 7 * S2_PAGE_SIZE));
	judge(S2_OP_MAP);
	CHECK(only("bbm", "stale"));
	teardown();
}

TEST(test_bbm_break_tlbi_make_is_clean)
{
	setup();
	store(&vm.l3[1], 0);
	s2rt_tlbi_ipa(NULL, S2_PAGE_SIZE, 3, false);
	store(&vm.l3[1], page_desc(GUEST_PA + 7 * S2_PAGE_SIZE));
	judge(S2_OP_MAP);
	CHECK(clean());
	teardown();
}

/* A TTL hint naming another level may miss the entry. */
TEST(test_bbm_catches_wrong_level_hint)
{
	setup();
	store(&vm.l3[1], 0);
	s2rt_tlbi_ipa(NULL, S2_PAGE_SIZE, 2, false);
	judge(S2_OP_UNMAP);
	CHECK(only("tlbi", "missing"));
	CHECK_EQ_U64(vm.r.findings[0].level, 3);
	teardown();
}

/* An unhinted TLBI anywhere inside a block covers it. */
TEST(test_bbm_unhinted_tlbi_inside_block_is_clean)
{
	setup();
	store(&vm.l2[1], block_desc(GUEST_PA + 2 * MIB));
	judge(S2_OP_MAP);
	CHECK(clean());
	store(&vm.l2[1], 0);
	s2rt_tlbi_ipa(NULL, 2 * MIB + 0x5000, -1, false);
	judge(S2_OP_UNMAP);
	CHECK(clean());
	teardown();
}

TEST(test_bbm_catches_oa_change_in_place)
{
	setup();
	store(&vm.l3[1], page_desc(GUEST_PA + 7 * S2_PAGE_SIZE));
	judge(S2_OP_MAP);
	CHECK(only("bbm", "oa"));
	teardown();
}

TEST(test_bbm_catches_size_and_attr_change_in_place)
{
	setup();
	store(&vm.l2[0], block_desc(GUEST_PA));
	judge(S2_OP_MAP);
	CHECK(only("bbm", "size"));
	store(&vm.l3[0], page_desc(GUEST_PA) & ~S2_DESC_MEMATTR_MASK);
	judge(S2_OP_MAP);
	CHECK(only("bbm", "attr"));
	teardown();
}

/* Permissions, AF and SW bits change in place, flushed by the caller. */
TEST(test_bbm_permission_change_in_place_is_clean)
{
	uint64_t pte = page_desc(GUEST_PA);

	setup();
	store(&vm.l3[0], pte & ~S2_DESC_S2AP_W);
	store(&vm.l3[0], (pte & ~S2_DESC_AF) | S2_DESC_XN | (1ULL << 55));
	judge(S2_OP_WRPROTECT);
	CHECK(clean());
	teardown();
}

/* One op's finding does not follow into the next op. */
TEST(test_bbm_catches_unclean_entry_at_return)
{
	setup();
	store(&vm.l3[1], 0);
	judge(S2_OP_UNMAP);
	CHECK(only("tlbi", "missing"));
	store(&vm.l3[1], page_desc(GUEST_PA + S2_PAGE_SIZE));
	judge(S2_OP_MAP);
	CHECK(clean());
	teardown();
}

TEST(test_bbm_catches_locked_entry_at_return)
{
	setup();
	store(&vm.l3[2], S2_DESC_LOCKED);
	judge(S2_OP_MAP);
	CHECK(only("tlbi", "locked"));
	teardown();
}

TEST(test_bbm_locked_then_made_is_clean)
{
	setup();
	store(&vm.l3[2], S2_DESC_LOCKED);
	store(&vm.l3[2], page_desc(GUEST_PA + 2 * S2_PAGE_SIZE));
	judge(S2_OP_FAULT);
	CHECK(clean());
	teardown();
}

/* A TLBI local to one CPU leaves the others' TLBs stale. */
TEST(test_bbm_nsh_tlbi_does_not_clean)
{
	setup();
	store(&vm.l3[1], 0);
	s2rt_tlbi_ipa(NULL, S2_PAGE_SIZE, 3, true);
	judge(S2_OP_UNMAP);
	CHECK(only("tlbi", "missing"));
	teardown();
}

/* 6.12 relax_perms: in place, with a local TLBI. */
TEST(test_bbm_relax_with_nsh_tlbi_is_clean)
{
	setup();
	store(&vm.l3[0], page_desc(GUEST_PA) & ~S2_DESC_XN);
	s2rt_tlbi_ipa(NULL, 0, -1, true);
	judge(S2_OP_RELAX);
	CHECK(clean());
	teardown();
}

/* A new entry must not overlap an IU one, even in another table. */
TEST(test_bbm_catches_make_under_unclean_table_entry)
{
	setup();
	store(&vm.l2[0], 0);
	store(&vm.l3[5], page_desc(GUEST_PA + 5 * S2_PAGE_SIZE));
	s2rt_tlbi_vmid(NULL);
	judge(S2_OP_MAP);
	CHECK(only("bbm", "stale"));
	teardown();
}

/* set_owner over a valid page is a full break; an owner needs no TLBI. */
TEST(test_bbm_catches_owner_over_valid_without_tlbi)
{
	setup();
	store(&vm.l3[0], 1ULL << 2);
	judge(S2_OP_OWNER);
	CHECK(only("tlbi", "missing"));
	store(&vm.l3[0], 0);
	store(&vm.l3[3], 1ULL << 2);
	judge(S2_OP_UNMAP);
	CHECK(clean());
	teardown();
}

/* --- freeing table pages -------------------------------------------------- */

TEST(test_bbm_catches_free_of_linked_table)
{
	setup();
	s2rt_page_put(vm.l3);
	judge(S2_OP_UNMAP);
	CHECK(only("free", "reachable"));
	teardown();
}

TEST(test_bbm_catches_free_before_tlbi)
{
	setup();
	empty_l3();
	store(&vm.l2[0], 0);
	s2rt_page_put(vm.l3);
	s2rt_tlbi_vmid(NULL);
	judge(S2_OP_UNMAP);
	CHECK(only("free", "tlbi"));
	teardown();
}

/*
 * A TLBI by IPA drops the walk-cache copy of the L1 entry, not those of the
 * L2 entries below it: l3 may still be walked through them.
 */
TEST(test_bbm_catches_free_in_subtree_flushed_at_one_ipa)
{
	setup();
	store(&vm.pgd[0], 0);
	s2rt_tlbi_ipa(NULL, 0, -1, false);
	s2rt_page_put(vm.l3);
	s2rt_page_put(vm.l2);
	s2rt_tlbi_vmid(NULL);
	judge(S2_OP_UNMAP);
	CHECK(only("free", "tlbi"));
	teardown();
}

/* 6.1 and 6.12 unmap of an emptied table: clear, unhinted TLBI, free. */
TEST(test_bbm_unmap_of_empty_table_is_clean)
{
	setup();
	empty_l3();
	store(&vm.l2[0], 0);
	s2rt_tlbi_ipa(NULL, 0, -1, false);
	s2rt_page_put(vm.l3);
	judge(S2_OP_UNMAP);
	CHECK(clean());
	teardown();
}

/*
 * 6.12 unmap with TLBI-range and FWB: leaves stay IU mid-walk, the emptied
 * table goes with an unhinted TLBI, one range TLBI at the end.
 */
static void deferred_unmap(uint64_t flushed)
{
	store(&vm.l3[0], 0);
	store(&vm.l3[1], 0);
	store(&vm.l2[0], 0);
	s2rt_tlbi_ipa(NULL, 0, -1, false);
	s2rt_page_put(vm.l3);
	s2rt_tlbi_range(NULL, 0, PAGES(flushed));
	judge(S2_OP_UNMAP);
}

TEST(test_bbm_612_deferred_unmap_is_clean)
{
	setup();
	deferred_unmap(2 * S2_PAGE_SIZE);
	CHECK(clean());
	teardown();
}

TEST(test_bbm_catches_deferred_unmap_short_range)
{
	setup();
	deferred_unmap(S2_PAGE_SIZE);
	CHECK(only("tlbi", "missing"));
	teardown();
}

TEST(test_bbm_catches_double_link)
{
	setup();
	store(&vm.l2[1], table_desc(vm.l3));
	judge(S2_OP_MAP);
	CHECK(only("bbm", "double-link"));
	teardown();
}

/*
 * 6.12 split: a table built while unlinked (stores of unknown level) then
 * swapped for a block by break-before-make.
 */
TEST(test_bbm_split_is_clean)
{
	uint64_t *table;

	setup();
	store(&vm.l2[1], block_desc(GUEST_PA + 2 * MIB));
	judge(S2_OP_MAP);
	CHECK(clean());
	table = s2rt_page_alloc();
	for (unsigned int i = 0; i < S2_ENTRIES_PER_TABLE; i++)
		store(&table[i],
		      page_desc(GUEST_PA + 2 * MIB + i * S2_PAGE_SIZE));
	store(&vm.l2[1], S2_DESC_LOCKED);
	s2rt_tlbi_ipa(NULL, 2 * MIB, 2, false);
	store(&vm.l2[1], table_desc(table));
	judge(S2_OP_SPLIT);
	CHECK(clean());
	teardown();
}

/* An unlinked subtree freed without ever being installed: never reachable. */
TEST(test_bbm_free_of_never_linked_subtree_is_clean)
{
	uint64_t *root, *child;

	setup();
	root = s2rt_page_alloc();
	child = s2rt_page_alloc();
	store(&root[0], table_desc(child));
	s2rt_page_put(child);
	s2rt_page_put(root);
	judge(S2_OP_SPLIT);
	CHECK(clean());
	teardown();
}

/* Destroy frees linked pages with no clearing and no TLBI. */
TEST(test_bbm_destroy_is_exempt)
{
	setup();
	store(&vm.l3[1], 0);
	s2rt_page_put(vm.l3);
	s2rt_page_put(vm.l2);
	s2rt_pages_exact_free(vm.pgd, 2 * S2_PAGE_SIZE);
	judge(DESTROY);
	CHECK(clean());
	teardown();
}

int main(void)
{
	RUN(test_bbm_61_coalesce_is_clean);
	RUN(test_bbm_612_coalesce_is_clean);
	RUN(test_bbm_catches_merge_flushing_one_ipa);
	RUN(test_bbm_merge_of_empty_table_by_one_ipa_is_clean);
	RUN(test_bbm_catches_missing_tlbi);
	RUN(test_bbm_break_tlbi_make_is_clean);
	RUN(test_bbm_catches_wrong_level_hint);
	RUN(test_bbm_unhinted_tlbi_inside_block_is_clean);
	RUN(test_bbm_catches_oa_change_in_place);
	RUN(test_bbm_catches_size_and_attr_change_in_place);
	RUN(test_bbm_permission_change_in_place_is_clean);
	RUN(test_bbm_catches_unclean_entry_at_return);
	RUN(test_bbm_catches_locked_entry_at_return);
	RUN(test_bbm_locked_then_made_is_clean);
	RUN(test_bbm_nsh_tlbi_does_not_clean);
	RUN(test_bbm_relax_with_nsh_tlbi_is_clean);
	RUN(test_bbm_catches_make_under_unclean_table_entry);
	RUN(test_bbm_catches_owner_over_valid_without_tlbi);
	RUN(test_bbm_catches_free_of_linked_table);
	RUN(test_bbm_catches_free_before_tlbi);
	RUN(test_bbm_catches_free_in_subtree_flushed_at_one_ipa);
	RUN(test_bbm_unmap_of_empty_table_is_clean);
	RUN(test_bbm_612_deferred_unmap_is_clean);
	RUN(test_bbm_catches_deferred_unmap_short_range);
	RUN(test_bbm_catches_double_link);
	RUN(test_bbm_split_is_clean);
	RUN(test_bbm_free_of_never_linked_subtree_is_clean);
	RUN(test_bbm_destroy_is_exempt);
	return check_summary();
}
