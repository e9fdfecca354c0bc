// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of oracle/cmo.c: each planted bug is an op's event log with a
 * CMO missing, misplaced or misaimed, and the clean counterparts are what
 * KVM legitimately does without one (ORACLE-RULES §4, §6 #12, #13).
 */
#include <stdlib.h>

#include "../../oracle/desc.h"
#include "../../oracle/oracle.h"
#include "check.h"

#define SZ_4K (1ULL << 12)
#define SZ_2M (1ULL << 21)
#define GIB (1ULL << 30)

#define MEMATTR_NORMAL 0xf
#define MEMATTR_FWB_NORMAL 0x6
#define MEMATTR_NORMAL_NC 0x5

/* A table page and the guest memory the tests map. */
#define TABLE_L2 0x1000000ULL
#define TABLE_L3 0x1001000ULL
#define IPA GIB
#define PA (2 * GIB)

static struct s2rt_event events[1100];
static size_t nr_events;
static struct s2o_imap before, after;
static struct s2_op op;
static struct s2o_opinfo info;
static struct s2o_report rep;

static void start(uint8_t kind, unsigned int features)
{
	nr_events = 0;
	s2o_imap_clear(&before);
	s2o_imap_clear(&after);
	op = (struct s2_op){ .kind = kind, .ipa = IPA, .size = SZ_2M };
	info = (struct s2o_opinfo){
		.op = &op,
		.features = features,
		.ipa_bits = 40,
		.api = "walk-args",
		.events = events,
		.before = &before,
		.after = &after,
	};
	rep = (struct s2o_report){ .info = &info };
}

static void add(struct s2rt_event ev)
{
	if (nr_events == sizeof(events) / sizeof(events[0])) {
		fprintf(stderr, "too many events\n");
		return;
	}
	events[nr_events++] = ev;
	info.nr_events = nr_events;
}

static void store(uint64_t table, unsigned int index, int level, uint64_t ipa,
		  uint64_t old, uint64_t new)
{
	add((struct s2rt_event){ .kind = S2RT_EV_STORE, .level = level,
				 .index = index, .a = table, .b = old,
				 .c = new, .ipa = ipa });
}

/* The level-2 entry for IPA, and the level-3 entries below it. */
static void store_l2(uint64_t old, uint64_t new)
{
	store(TABLE_L2, 0, 2, IPA, old, new);
}

static void store_l3(unsigned int index, uint64_t old, uint64_t new)
{
	store(TABLE_L3, index, 3, IPA + index * SZ_4K, old, new);
}

static void cmo(uint8_t kind, uint64_t pa, uint64_t size)
{
	add((struct s2rt_event){ .kind = kind, .level = S2RT_NO_LEVEL,
				 .a = pa, .b = size });
}

static void dcache(uint64_t pa, uint64_t size)
{
	cmo(S2RT_EV_DCACHE, pa, size);
}

static void icache(uint64_t pa, uint64_t size)
{
	cmo(S2RT_EV_ICACHE, pa, size);
}

static void tlbi_ipa(uint64_t ipa, int level)
{
	add((struct s2rt_event){ .kind = S2RT_EV_TLBI_IPA, .level = level,
				 .a = ipa });
}

/* A valid leaf as KVM builds it: rw, inner shareable, young; x on request. */
static uint64_t leaf(uint64_t pa, int level, unsigned int memattr, bool x)
{
	uint64_t pte = pa | S2_DESC_VALID | S2_DESC_S2AP_R | S2_DESC_S2AP_W |
		       S2_DESC_SH_MASK | S2_DESC_AF |
		       ((uint64_t)memattr << S2_DESC_MEMATTR_SHIFT);

	if (level == S2_LAST_LEVEL)
		pte |= S2_DESC_TABLE;
	if (!x)
		pte |= S2_DESC_XN;
	return pte;
}

static uint64_t block(uint64_t pa, bool x)
{
	return leaf(pa, 2, MEMATTR_NORMAL, x);
}

static uint64_t page(uint64_t pa, bool x)
{
	return leaf(pa, 3, MEMATTR_NORMAL, x);
}

static uint64_t table(uint64_t pa)
{
	return pa | S2_DESC_VALID | S2_DESC_TABLE;
}

static void map_before(uint64_t ipa, uint64_t size, uint64_t pa, int level,
		       unsigned int prot)
{
	struct s2o_val v = { .kind = S2O_MAPPED, .prot = prot,
			     .level = (int8_t)level, .young = 1, .pa = pa };

	s2o_imap_set(&before, ipa, ipa + size, &v);
}

static unsigned int findings(const char *field)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < rep.nr; i++)
		if (!strcmp(rep.findings[i].check, "cmo") &&
		    !strcmp(rep.findings[i].field, field))
			n++;
	return n;
}

static const struct s2o_finding *finding(const char *field)
{
	for (unsigned int i = 0; i < rep.nr; i++)
		if (!strcmp(rep.findings[i].field, field))
			return &rep.findings[i];
	return NULL;
}

/* Is there a finding on field whose message says text? */
static bool says(const char *field, const char *text)
{
	const struct s2o_finding *f = finding(field);

	return f && strstr(f->msg, text);
}

/* VERBOSE=1 shows the messages. */
static void check(void)
{
	s2o_cmo_check(&info, &rep);
	if (!getenv("VERBOSE"))
		return;
	for (unsigned int i = 0; i < rep.nr; i++)
		fprintf(stderr, "  cmo-%s-L%d: %s\n", rep.findings[i].field,
			rep.findings[i].level, rep.findings[i].msg);
}

/* --- rule 1: clean before newly visible memory --------------------------- */

TEST(test_cmo_accepts_clean_before_new_block)
{
	start(S2_OP_MAP, 0);
	dcache(PA, SZ_2M);
	store_l2(0, block(PA, false));
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

TEST(test_cmo_catches_missing_dcache)
{
	const struct s2o_finding *f;

	start(S2_OP_MAP, 0);
	store_l2(0, block(PA, false));
	check();
	CHECK_EQ_U64(rep.nr, 1);
	CHECK_EQ_U64(findings("dcache"), 1);
	f = finding("dcache");
	if (!f)
		return;
	CHECK_EQ_U64(f->level, 2);
	CHECK_EQ_STR(f->op, "map");
	CHECK_EQ_STR(f->msg, "L2 block 0x80000000 rw installed at IPA "
			     "0x40000000 with no dcache clean of "
			     "[0x80000000, +2M) before it");
}

TEST(test_cmo_catches_dcache_of_wrong_range)
{
	start(S2_OP_MAP, 0);
	dcache(PA + SZ_2M, SZ_2M);
	store_l2(0, block(PA, false));
	check();
	CHECK_EQ_U64(findings("dcache"), 1);
	CHECK_EQ_U64(findings("target"), 1);
}

TEST(test_cmo_catches_dcache_too_small)
{
	start(S2_OP_MAP, 0);
	dcache(PA, SZ_4K);
	store_l2(0, block(PA, false));
	check();
	CHECK_EQ_U64(findings("dcache"), 1);
	CHECK_EQ_U64(findings("target"), 1);
}

TEST(test_cmo_catches_dcache_after_store)
{
	start(S2_OP_MAP, 0);
	store_l2(0, block(PA, false));
	dcache(PA, SZ_2M);
	check();
	CHECK_EQ_U64(rep.nr, 1);
	CHECK(says("dcache", "one comes after the store"));
}

/* 6.12 order: LOCKED, TLBI, CMOs, new leaf; a clean before the break is
 * outside the window. */
TEST(test_cmo_catches_dcache_before_break)
{
	start(S2_OP_MAP, 0);
	map_before(IPA, SZ_2M, 4 * GIB, 2, S2_PROT_R | S2_PROT_W);
	dcache(PA, SZ_2M);
	store_l2(block(4 * GIB, false), S2_DESC_LOCKED);
	tlbi_ipa(IPA, 2);
	store_l2(S2_DESC_LOCKED, block(PA, false));
	check();
	CHECK_EQ_U64(rep.nr, 1);
	CHECK(says("dcache", "before the entry was broken"));
}

TEST(test_cmo_accepts_dcache_between_break_and_store)
{
	start(S2_OP_MAP, 0);
	map_before(IPA, SZ_2M, 4 * GIB, 2, S2_PROT_R | S2_PROT_W);
	store_l2(block(4 * GIB, false), S2_DESC_LOCKED);
	tlbi_ipa(IPA, 2);
	dcache(PA, SZ_2M);
	store_l2(S2_DESC_LOCKED, block(PA, false));
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

/* Half the block was already mapped to those PAs: the rest is new. */
TEST(test_cmo_catches_block_over_partly_mapped_range)
{
	start(S2_OP_MAP, 0);
	map_before(IPA, SZ_2M / 2, PA, 3, S2_PROT_R | S2_PROT_W);
	store_l2(table(TABLE_L3), 0);
	store_l2(0, block(PA, false));
	check();
	CHECK_EQ_U64(findings("dcache"), 1);
}

TEST(test_cmo_accepts_fwb_without_dcache)
{
	start(S2_OP_MAP, S2_FEAT_FWB);
	store_l2(0, leaf(PA, 2, MEMATTR_FWB_NORMAL, false));
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

TEST(test_cmo_accepts_device_and_normal_nc)
{
	start(S2_OP_MAP, 0);
	store_l3(0, 0, leaf(PA, 3, S2_MEMATTR_DEVICE, false));
	store_l3(1, 0, leaf(PA + SZ_4K, 3, MEMATTR_NORMAL_NC, false));
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

/* 6.1: break, TLBI, then the same PA again with new attributes. */
TEST(test_cmo_accepts_remap_of_same_pa)
{
	start(S2_OP_MAP, 0);
	map_before(IPA, SZ_4K, PA, 3, S2_PROT_R | S2_PROT_W);
	store_l3(0, page(PA, false) & ~S2_DESC_SH_MASK, 0);
	tlbi_ipa(IPA, 3);
	store_l3(0, 0, page(PA, false));
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

/* Block to table with the same PAs, page by page: nothing new is visible. */
TEST(test_cmo_accepts_split_of_same_pa)
{
	start(S2_OP_SPLIT, 0);
	map_before(IPA, SZ_2M, PA, 2, S2_PROT_R | S2_PROT_W | S2_PROT_X);
	store_l2(block(PA, true), 0);
	tlbi_ipa(IPA, 2);
	store_l2(0, table(TABLE_L3));
	for (unsigned int i = 0; i < S2_ENTRIES_PER_TABLE; i++)
		store_l3(i, 0, page(PA + i * SZ_4K, true));
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

/* 6.12 split: the unlinked table's stores have no level. */
TEST(test_cmo_ignores_unlinked_table)
{
	start(S2_OP_SPLIT, 0);
	store(TABLE_L3, 0, S2RT_NO_LEVEL, 0, 0, page(8 * GIB, true));
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

/* A permission-only change of a live leaf (wrprotect, relax without X). */
TEST(test_cmo_accepts_permission_change)
{
	start(S2_OP_WRPROTECT, 0);
	map_before(IPA, SZ_4K, PA, 3, S2_PROT_R | S2_PROT_W);
	store_l3(0, page(PA, false), page(PA, false) & ~S2_DESC_S2AP_W);
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

/*
 * A leaf installed and then changed in place within one op: the change
 * makes nothing new visible, and the clean before the install covers both.
 */
TEST(test_cmo_accepts_permission_change_of_a_leaf_the_op_installed)
{
	start(S2_OP_MAP, 0);
	dcache(PA, SZ_4K);
	store_l3(0, 0, page(PA, false));
	store_l3(0, page(PA, false), page(PA, false) & ~S2_DESC_S2AP_W);
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

/* Valid to valid, but another PA: new memory, whatever the leaf was. */
TEST(test_cmo_catches_missing_dcache_when_a_live_leaf_changes_pa)
{
	start(S2_OP_MAP, 0);
	map_before(IPA, SZ_4K, PA, 3, S2_PROT_R | S2_PROT_W);
	store_l3(0, page(PA, false), page(PA + SZ_2M, false));
	check();
	CHECK_EQ_U64(rep.nr, 1);
	CHECK_EQ_U64(findings("dcache"), 1);
}

/* --- rule 2: i-cache for executable memory ------------------------------- */

TEST(test_cmo_catches_missing_icache)
{
	const struct s2o_finding *f;

	start(S2_OP_MAP, 0);
	dcache(PA, SZ_2M);
	store_l2(0, block(PA, true));
	check();
	CHECK_EQ_U64(rep.nr, 1);
	f = finding("icache");
	if (!f)
		return;
	CHECK_EQ_U64(f->level, 2);
	CHECK_EQ_STR(f->msg, "L2 block 0x80000000 rwx installed at IPA "
			     "0x40000000 with no icache invalidation of "
			     "[0x80000000, +2M) before it");
}

TEST(test_cmo_accepts_icache_for_executable_leaf)
{
	start(S2_OP_MAP, 0);
	dcache(PA, SZ_2M);
	icache(PA, SZ_2M);
	store_l2(0, block(PA, true));
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

/* FWB exempts the clean, never the i-cache (DIC is not modelled). */
TEST(test_cmo_catches_missing_icache_with_fwb)
{
	start(S2_OP_MAP, S2_FEAT_FWB);
	store_l2(0, leaf(PA, 2, MEMATTR_FWB_NORMAL, true));
	check();
	CHECK_EQ_U64(rep.nr, 1);
	CHECK_EQ_U64(findings("icache"), 1);
}

TEST(test_cmo_accepts_non_executable_leaf_without_icache)
{
	start(S2_OP_MAP, 0);
	dcache(PA, SZ_4K);
	store_l3(0, 0, page(PA, false));
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

TEST(test_cmo_catches_icache_missing_on_relax)
{
	const struct s2o_finding *f;

	start(S2_OP_RELAX, 0);
	map_before(IPA, SZ_4K, PA, 3, S2_PROT_R | S2_PROT_W);
	store_l3(0, page(PA, false), page(PA, true));
	check();
	CHECK_EQ_U64(rep.nr, 1);
	f = finding("icache");
	if (!f)
		return;
	CHECK_EQ_U64(f->level, 3);
	CHECK_EQ_STR(f->op, "relax");
	CHECK_EQ_STR(f->msg, "L3 page 0x80000000 rwx made executable at IPA "
			     "0x40000000 with no icache invalidation of "
			     "[0x80000000, +4K) before it");
}

TEST(test_cmo_accepts_icache_on_relax)
{
	start(S2_OP_RELAX, 0);
	map_before(IPA, SZ_4K, PA, 3, S2_PROT_R | S2_PROT_W);
	icache(PA, SZ_4K);
	store_l3(0, page(PA, false), page(PA, true));
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

/*
 * A valid->valid store granting X needs the invalidation even when the map
 * before the op showed X (it was taken away earlier in the same op).
 */
TEST(test_cmo_catches_icache_missing_on_store_granting_x)
{
	start(S2_OP_RELAX, 0);
	map_before(IPA, SZ_4K, PA, 3, S2_PROT_R | S2_PROT_W | S2_PROT_X);
	store_l3(0, page(PA, true), page(PA, false));
	store_l3(0, page(PA, false), page(PA, true));
	check();
	CHECK_EQ_U64(rep.nr, 1);
	CHECK_EQ_U64(findings("icache"), 1);
}

/* Coalescing pages that were not executable into an executable block. */
TEST(test_cmo_catches_icache_missing_when_coalescing_gains_x)
{
	start(S2_OP_MAP, 0);
	map_before(IPA, SZ_2M, PA, 3, S2_PROT_R | S2_PROT_W);
	store_l2(table(TABLE_L3), 0);
	store_l2(0, block(PA, true));
	check();
	CHECK_EQ_U64(rep.nr, 1);
	CHECK_EQ_U64(findings("icache"), 1);
}

/* --- rule 3: CMOs aimed at valid leaves ---------------------------------- */

/* ORACLE-RULES §6 #13: 6.1's icache_inval_pou(phys_to_virt(0), PAGE_SIZE). */
TEST(test_cmo_catches_cmo_of_owner_entry)
{
	const struct s2o_finding *f;

	start(S2_OP_OWNER, 0);
	icache(0, SZ_4K);
	store_l3(0, 0, 1ULL << 2);
	check();
	CHECK_EQ_U64(rep.nr, 1);
	f = finding("target");
	if (!f)
		return;
	CHECK_EQ_U64(f->level, 3);
	CHECK_EQ_STR(f->op, "owner");
	CHECK_EQ_STR(f->msg, "icache invalidation of [0x0, +4K) matches no "
			     "valid leaf the op replaced, installed or "
			     "flushed");
}

/* §4: unmap cleans the old leaf after its TLBI (non-FWB). */
TEST(test_cmo_accepts_unmap_clean_of_old_leaf)
{
	start(S2_OP_UNMAP, 0);
	map_before(IPA, SZ_2M, PA, 2, S2_PROT_R | S2_PROT_W);
	store_l2(block(PA, false), 0);
	tlbi_ipa(IPA, 2);
	dcache(PA, SZ_2M);
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

TEST(test_cmo_catches_unmap_clean_of_other_pa)
{
	start(S2_OP_UNMAP, 0);
	map_before(IPA, SZ_2M, PA, 2, S2_PROT_R | S2_PROT_W);
	store_l2(block(PA, false), 0);
	tlbi_ipa(IPA, 2);
	dcache(4 * GIB, SZ_2M);
	check();
	CHECK_EQ_U64(rep.nr, 1);
	CHECK_EQ_U64(findings("target"), 1);
}

/*
 * stage2_flush_walker cleans whole leaves, even those reaching out of the
 * range; a leaf mapped outside it is no target.
 */
TEST(test_cmo_accepts_flush_of_mapped_leaves)
{
	start(S2_OP_FLUSH, 0);
	op.ipa = IPA + SZ_2M / 2;
	op.size = SZ_2M;
	map_before(IPA, SZ_2M, PA, 2, S2_PROT_R);
	map_before(IPA + SZ_2M, SZ_2M, 8 * GIB, 2, S2_PROT_R);
	map_before(IPA + 2 * SZ_2M, SZ_4K, 12 * GIB, 3, S2_PROT_R);
	dcache(PA, SZ_2M);
	dcache(8 * GIB, SZ_2M);
	dcache(12 * GIB, SZ_4K);
	check();
	CHECK_EQ_U64(rep.nr, 1);
	CHECK_EQ_U64(findings("target"), 1);
	CHECK(rep.nr && strstr(rep.findings[0].msg, "[0x300000000, +4K)"));
}

/* Pages in a row are one interval of the mapping: each is a leaf. */
TEST(test_cmo_accepts_flush_of_each_page_in_a_row)
{
	start(S2_OP_FLUSH, 0);
	op.size = 4 * SZ_4K;
	for (int i = 0; i < 4; i++)
		map_before(IPA + i * SZ_4K, SZ_4K, PA + i * SZ_4K, 3,
			   S2_PROT_R);
	for (int i = 0; i < 4; i++)
		dcache(PA + i * SZ_4K, SZ_4K);
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

TEST(test_cmo_catches_flush_of_unmapped_range)
{
	start(S2_OP_FLUSH, 0);
	map_before(IPA + 4 * SZ_2M, SZ_2M, PA, 2, S2_PROT_R);
	dcache(PA, SZ_2M);
	check();
	CHECK_EQ_U64(rep.nr, 1);
	CHECK_EQ_U64(findings("target"), 1);
}

/* --- what the events next to a store cannot answer ---------------------- */

/* More events than the checker looks at around a store or a CMO. */
static void far_apart(void)
{
	for (int i = 0; i < 40; i++)
		tlbi_ipa(IPA + SZ_2M, 3);
}

TEST(test_cmo_accepts_dcache_far_before_store)
{
	start(S2_OP_MAP, 0);
	dcache(PA, SZ_2M);
	far_apart();
	store_l2(0, block(PA, false));
	check();
	CHECK_EQ_U64(rep.nr, 0);
}

TEST(test_cmo_catches_dcache_far_before_break)
{
	start(S2_OP_MAP, 0);
	map_before(IPA, SZ_2M, 4 * GIB, 2, S2_PROT_R | S2_PROT_W);
	dcache(PA, SZ_2M);
	far_apart();
	store_l2(block(4 * GIB, false), S2_DESC_LOCKED);
	far_apart();
	store_l2(S2_DESC_LOCKED, block(PA, false));
	check();
	CHECK_EQ_U64(rep.nr, 1);
	CHECK(says("dcache", "before the entry was broken"));
}

TEST(test_cmo_catches_dcache_far_after_store)
{
	start(S2_OP_MAP, 0);
	store_l2(0, block(PA, false));
	far_apart();
	dcache(PA, SZ_2M);
	check();
	CHECK_EQ_U64(findings("dcache"), 1);
	CHECK(says("dcache", "one comes after the store"));
}

/* One finding per signature: a CMO misaimed per entry hides nothing else. */
TEST(test_cmo_reports_repeated_target_once_and_the_rest)
{
	start(S2_OP_MAP, 0);
	for (unsigned int i = 0; i < 2 * S2O_MAX_FINDINGS; i++)
		dcache(PA + SZ_2M + i * SZ_4K, SZ_4K);
	store_l2(0, block(PA, false));
	check();
	CHECK_EQ_U64(findings("target"), 1);
	CHECK_EQ_U64(findings("dcache"), 1);
	CHECK_EQ_U64(rep.nr, 2);
}

int main(void)
{
	s2o_imap_init(&before);
	s2o_imap_init(&after);

	RUN(test_cmo_accepts_clean_before_new_block);
	RUN(test_cmo_catches_missing_dcache);
	RUN(test_cmo_catches_dcache_of_wrong_range);
	RUN(test_cmo_catches_dcache_too_small);
	RUN(test_cmo_catches_dcache_after_store);
	RUN(test_cmo_catches_dcache_before_break);
	RUN(test_cmo_accepts_dcache_between_break_and_store);
	RUN(test_cmo_catches_block_over_partly_mapped_range);
	RUN(test_cmo_accepts_fwb_without_dcache);
	RUN(test_cmo_accepts_device_and_normal_nc);
	RUN(test_cmo_accepts_remap_of_same_pa);
	RUN(test_cmo_accepts_split_of_same_pa);
	RUN(test_cmo_ignores_unlinked_table);
	RUN(test_cmo_accepts_permission_change);
	RUN(test_cmo_accepts_permission_change_of_a_leaf_the_op_installed);
	RUN(test_cmo_catches_missing_dcache_when_a_live_leaf_changes_pa);

	RUN(test_cmo_catches_missing_icache);
	RUN(test_cmo_accepts_icache_for_executable_leaf);
	RUN(test_cmo_catches_missing_icache_with_fwb);
	RUN(test_cmo_accepts_non_executable_leaf_without_icache);
	RUN(test_cmo_catches_icache_missing_on_relax);
	RUN(test_cmo_accepts_icache_on_relax);
	RUN(test_cmo_catches_icache_missing_on_store_granting_x);
	RUN(test_cmo_catches_icache_missing_when_coalescing_gains_x);

	RUN(test_cmo_catches_cmo_of_owner_entry);
	RUN(test_cmo_accepts_unmap_clean_of_old_leaf);
	RUN(test_cmo_catches_unmap_clean_of_other_pa);
	RUN(test_cmo_accepts_flush_of_mapped_leaves);
	RUN(test_cmo_accepts_flush_of_each_page_in_a_row);
	RUN(test_cmo_catches_flush_of_unmapped_range);

	RUN(test_cmo_accepts_dcache_far_before_store);
	RUN(test_cmo_catches_dcache_far_before_break);
	RUN(test_cmo_catches_dcache_far_after_store);
	RUN(test_cmo_reports_repeated_target_once_and_the_rest);

	s2o_imap_free(&before);
	s2o_imap_free(&after);
	return check_summary();
}
