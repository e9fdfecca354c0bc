// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of oracle/model.c, the reference model: each test builds the
 * mapping before an op and the one a kernel left after it, by hand, and
 * checks that a right outcome passes and a wrong one is reported with the
 * field that differs.
 */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "../../oracle/desc.h"
#include "../../oracle/oracle.h"

#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL

#define R S2_PROT_R
#define RW (S2_PROT_R | S2_PROT_W)
#define RWX (S2_PROT_R | S2_PROT_W | S2_PROT_X)

#define OP(kind_, ...) ((struct s2_op){ .kind = S2_OP_##kind_, __VA_ARGS__ })

static struct s2o_imap before, after;
static struct s2rt_event events[8];
static struct s2o_opinfo info;
static struct s2_op cur_op;
static struct s2o_report report;

static void setup(void)
{
	s2o_imap_clear(&before);
	s2o_imap_clear(&after);
	info = (struct s2o_opinfo){
		.ipa_bits = 40,
		.api = "visit-ctx",
		.events = events,
		.before = &before,
		.after = &after,
	};
}

/* A leaf as the view records it: one interval of its level's size. */
static void leaf(struct s2o_imap *m, uint64_t ipa, int level, uint64_t pa,
		 unsigned int prot, unsigned int young)
{
	struct s2o_val v = { .kind = S2O_MAPPED, .prot = prot, .level = level,
			     .young = young, .pa = pa };

	s2o_imap_set(m, ipa, ipa + s2_level_size(level), &v);
}

/* n leaves of a level from ipa on, mapping consecutive PAs. */
static void leaves(struct s2o_imap *m, uint64_t ipa, unsigned int n, int level,
		   uint64_t pa, unsigned int prot, unsigned int young)
{
	for (unsigned int i = 0; i < n; i++)
		leaf(m, ipa + i * s2_level_size(level), level,
		     pa + i * s2_level_size(level), prot, young);
}

static void owned(struct s2o_imap *m, uint64_t ipa, unsigned int id)
{
	struct s2o_val v = { .kind = S2O_OWNER, .owner = id, .level = 3 };

	s2o_imap_set(m, ipa, ipa + SZ_4K, &v);
}

static void drop(struct s2o_imap *m, uint64_t ipa, uint64_t size)
{
	struct s2o_val v = { .kind = S2O_UNMAPPED, .level = -1 };

	s2o_imap_set(m, ipa, ipa + size, &v);
}

static void after_is_before(void)
{
	s2o_imap_copy(&after, &before);
}

static void store(uint64_t ipa, int level)
{
	events[info.nr_events++] = (struct s2rt_event){
		.kind = S2RT_EV_STORE, .level = level, .ipa = ipa,
	};
}

static void alloc_fail(void)
{
	events[info.nr_events++] = (struct s2rt_event){
		.kind = S2RT_EV_ALLOC_FAIL, .level = S2RT_NO_LEVEL,
	};
}

/* Runs the model on op returning rc; the number of findings. */
static unsigned int judge(struct s2_op op, int rc)
{
	static struct s2o_ranges touched;

	cur_op = op;
	info.op = &cur_op;
	info.rc = rc;
	/* What fuzz/run.c gives every checker along with the events. */
	s2o_touched(info.events, info.nr_events, &touched);
	info.touched = touched.r;
	info.nr_touched = touched.nr;
	report = (struct s2o_report){ .info = &info };
	s2o_model_check(&info, &report);
	return report.nr;
}

/* Is there a finding on field at level whose message contains text? */
static bool reported(const char *field, int level, const char *text)
{
	for (unsigned int i = 0; i < report.nr; i++) {
		const struct s2o_finding *f = &report.findings[i];

		if (!strcmp(f->check, "model") && !strcmp(f->field, field) &&
		    f->level == level && strstr(f->msg, text))
			return true;
	}
	for (unsigned int i = 0; i < report.nr; i++)
		fprintf(stderr, "  finding: L%d %s: %s\n",
			report.findings[i].level, report.findings[i].field,
			report.findings[i].msg);
	return false;
}

/* --- map ----------------------------------------------------------------- */

TEST(test_map_into_empty_space_is_clean)
{
	setup();
	leaf(&after, 0x40000000, 1, 0x100000000, RW, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_1G,
			      .pa = 0x100000000, .prot = RW), 0), 0);
	/* The same translation by 2M blocks reads the same. */
	s2o_imap_clear(&after);
	leaves(&after, 0x40000000, 512, 2, 0x100000000, RW, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_1G,
			      .pa = 0x100000000, .prot = RW), 0), 0);
}

TEST(test_map_wrong_pa_is_reported)
{
	setup();
	leaf(&after, 0x40200000, 2, 0x80000000, RW, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40200000, .size = SZ_2M,
			      .pa = 0x80200000, .prot = RW), 0), 1);
	CHECK(reported("pa", 2, "IPA 0x40200000: expected map 0x80200000 rw, "
				"found map 0x80000000 rw"));
}

TEST(test_map_wrong_prot_is_reported)
{
	setup();
	leaf(&after, 0x40200000, 2, 0x80200000, RWX, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40200000, .size = SZ_2M,
			      .pa = 0x80200000, .prot = RW), 0), 1);
	CHECK(reported("prot", 2, "expected map 0x80200000 rw, found map "
				  "0x80200000 rwx"));
}

TEST(test_new_leaf_must_be_young)
{
	setup();
	leaf(&after, 0x40200000, 2, 0x80200000, RW, 0);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40200000, .size = SZ_2M,
			      .pa = 0x80200000, .prot = RW), 0), 1);
	CHECK(reported("young", 2, "expected map 0x80200000 rw young, found "
				   "map 0x80200000 rw old"));
}

TEST(test_map_to_misaligned_pa_maps_pages)
{
	setup();
	leaves(&after, 0x40200000, 512, 3, 0x80001000, RW, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40200000, .size = SZ_2M,
			      .pa = 0x80001000, .prot = RW), 0), 0);
	drop(&after, 0x40300000, SZ_4K);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40200000, .size = SZ_2M,
			      .pa = 0x80001000, .prot = RW), 0), 1);
	CHECK(reported("kind", 3, "IPA 0x40300000: expected map 0x80101000 rw, "
				  "found unmapped"));
}

TEST(test_map_inside_block_drops_rest_of_block)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 1);
	leaf(&after, 0x40001000, 3, 0x90000000, R, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40001000, .size = SZ_4K,
			      .pa = 0x90000000, .prot = R), 0), 0);
	/* A kernel that kept the rest of the block. */
	after_is_before();
	leaf(&after, 0x40001000, 3, 0x90000000, R, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40001000, .size = SZ_4K,
			      .pa = 0x90000000, .prot = R), 0), 1);
	CHECK(reported("kind", 2, "IPA 0x40000000: expected unmapped, found "
				  "map 0x80000000 rw"));
}

TEST(test_map_replaces_table_of_pages_by_block)
{
	setup();
	leaves(&before, 0x40000000, 16, 3, 0x70000000, RWX, 1);
	owned(&before, 0x40100000, 1);
	leaf(&after, 0x40000000, 2, 0x80000000, RW, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80000000, .prot = RW), 0), 0);
	owned(&after, 0x40100000, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80000000, .prot = RW), 0), 1);
	CHECK(reported("kind", 3, "IPA 0x40100000: expected map 0x80100000 rw, "
				  "found owner 1"));
}

TEST(test_map_device_exec_is_einval)
{
	unsigned int dx = S2_PROT_R | S2_PROT_X | S2_PROT_DEVICE;

	setup();
	leaf(&before, 0x40000000, 3, 0x1000, R, 1);
	after_is_before();
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_4K,
			      .pa = 0x2000, .prot = dx), -EINVAL), 0);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_4K,
			      .pa = 0x2000, .prot = dx), 0), 1);
	CHECK(reported("rc", -1, "expected -EINVAL, returned 0"));
	leaf(&after, 0x40000000, 3, 0x2000, dx, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_4K,
			      .pa = 0x2000, .prot = dx), -EINVAL), 1);
	CHECK(reported("pa", 3, "expected map 0x1000 r, found map 0x2000 rxd"));
}

/* --- map: -EAGAIN and -ENOMEM -------------------------------------------- */

TEST(test_unchanged_chunk_allows_eagain)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, R, 1);
	after_is_before();
	/* 6.1: the walk returns -EAGAIN; 6.12 swallows it. */
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80000000, .prot = RW), -EAGAIN), 0);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80000000, .prot = RW), 0), 0);
	/* The permissions are relax_perms' business, not map's. */
	leaf(&after, 0x40000000, 2, 0x80000000, RW, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80000000, .prot = RW), 0), 1);
	CHECK(reported("prot", 2, "expected map 0x80000000 r, found map "
				  "0x80000000 rw"));
}

TEST(test_map_rc_eagain_without_unchanged_chunk_is_reported)
{
	setup();
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80000000, .prot = RW), -EAGAIN), 1);
	CHECK(reported("rc", -1, "expected 0, returned -EAGAIN"));
}

TEST(test_old_leaf_is_replaced_not_unchanged)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, R, 0);
	leaf(&after, 0x40000000, 2, 0x80000000, RW, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80000000, .prot = RW), 0), 0);
	/* Not permissions only: AF differs, so 6.1 must not stop here. */
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80000000, .prot = RW), -EAGAIN), 1);
	CHECK(reported("rc", -1, "expected 0, returned -EAGAIN"));
	leaf(&after, 0x40000000, 2, 0x80000000, RW, 0);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80000000, .prot = RW), 0), 1);
	CHECK(reported("young", 2, "expected map 0x80000000 rw young, found "
				   "map 0x80000000 rw old"));
}

TEST(test_eagain_may_stop_the_walk_part_way)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, R, 1);
	after_is_before();
	/* 6.1 stopped at the unchanged first block. */
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = 2 * SZ_2M,
			      .pa = 0x80000000, .prot = R), -EAGAIN), 0);
	/* 6.12 went on, but a walk that returns 0 must have finished. */
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = 2 * SZ_2M,
			      .pa = 0x80000000, .prot = R), 0), 1);
	CHECK(reported("kind", 2, "IPA 0x40200000: expected map 0x80200000 r, "
				   "found unmapped"));
	leaf(&after, 0x40200000, 2, 0x80200000, R, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = 2 * SZ_2M,
			      .pa = 0x80000000, .prot = R), 0), 0);
	leaf(&after, 0x40200000, 2, 0x90200000, R, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = 2 * SZ_2M,
			      .pa = 0x80000000, .prot = R), -EAGAIN), 1);
	CHECK(reported("pa", 2, "IPA 0x40200000: expected map 0x80200000 r "
				"(or unmapped), found map 0x90200000 r"));
}

TEST(test_enomem_needs_an_allocation_failure)
{
	setup();
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80001000, .prot = RW), -ENOMEM), 1);
	CHECK(reported("rc", -1, "expected 0, returned -ENOMEM"));
	alloc_fail();
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80001000, .prot = RW), -ENOMEM), 0);
	/* Part of the range mapped before the memcache ran dry. */
	leaves(&after, 0x40000000, 8, 3, 0x80001000, RW, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80001000, .prot = RW), -ENOMEM), 0);
	leaf(&after, 0x40010000, 3, 0x90000000, RW, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_2M,
			      .pa = 0x80001000, .prot = RW), -ENOMEM), 1);
	CHECK(reported("pa", 3, "IPA 0x40010000: expected map 0x80011000 rw "
				"(or unmapped), found map 0x90000000 rw"));
}

TEST(test_enomem_may_leave_a_broken_block_unmapped)
{
	setup();
	leaf(&before, 0x40000000, 1, 0x100000000, RW, 1);
	alloc_fail();
	/* The level-2 table went in, the level-3 one could not. */
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40201000, .size = SZ_4K,
			      .pa = 0x5000, .prot = RW), -ENOMEM), 0);
	/* The first allocation failed: nothing changed. */
	after_is_before();
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40201000, .size = SZ_4K,
			      .pa = 0x5000, .prot = RW), -ENOMEM), 0);
	/* But success means the page is there. */
	s2o_imap_clear(&after);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40201000, .size = SZ_4K,
			      .pa = 0x5000, .prot = RW), 0), 1);
	CHECK(reported("kind", 3, "IPA 0x40201000: expected map 0x5000 rw, "
				  "found unmapped"));
}

/*
 * Blocks in a row are one interval of the view: only the one the range
 * ends inside breaks, and only its addresses may be gone after -ENOMEM.
 */
TEST(test_enomem_breaks_only_the_block_the_range_ends_in)
{
	struct s2_op map = OP(MAP, .ipa = 0x40000000, .size = 2 * SZ_2M + SZ_4K,
			      .pa = 0x100000000, .prot = RW);

	setup();
	leaves(&before, 0x40000000, 3, 2, 0x80000000, RW, 1);
	alloc_fail();
	after_is_before();
	drop(&after, 0x40400000, SZ_2M);
	CHECK_EQ_U64(judge(map, -ENOMEM), 0);
	after_is_before();
	drop(&after, 0x40000000, SZ_2M);
	CHECK_EQ_U64(judge(map, -ENOMEM), 1);
	CHECK(reported("kind", 2, "IPA 0x40000000: expected map 0x100000000 "
				  "rw (or map 0x80000000 rw), found unmapped"));
}

/* --- fault --------------------------------------------------------------- */

TEST(test_fault_on_block_of_its_granule_relaxes)
{
	uint64_t pa = S2_MEMSLOT_PA(0x40000000);

	setup();
	leaf(&before, 0x40000000, 2, pa, R, 0);
	leaf(&after, 0x40000000, 2, pa, RW, 0);
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40001000, .prot = S2_PROT_W), 0),
		     0);
	leaf(&after, 0x40000000, 2, pa, RW, 1);
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40001000, .prot = S2_PROT_W), 0),
		     0);
	/* The adapter turns relax_perms' -EAGAIN into 0, as KVM does. */
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40001000, .prot = S2_PROT_W),
			   -EAGAIN), 1);
	CHECK(reported("rc", -1, "expected 0, returned -EAGAIN"));
	after_is_before();
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40001000, .prot = S2_PROT_W), 0),
		     1);
	CHECK(reported("prot", 2, "expected map 0x100040000000 rw, found map "
				  "0x100040000000 r"));
}

TEST(test_fault_on_empty_maps_a_2m_block)
{
	setup();
	leaf(&after, 0x40000000, 2, S2_MEMSLOT_PA(0x40000000),
	     S2_PROT_R | S2_PROT_X, 1);
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40123000, .prot = S2_PROT_X), 0),
		     0);
	s2o_imap_clear(&after);
	leaf(&after, 0x40123000, 3, S2_MEMSLOT_PA(0x40123000),
	     S2_PROT_R | S2_PROT_X, 1);
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40123000, .prot = S2_PROT_X), 0),
		     1);
	CHECK(reported("kind", 2, "IPA 0x40000000: expected map "
				   "0x100040000000 rx, found unmapped"));
}

TEST(test_fault_with_page_granule_maps_a_page_inside_the_block)
{
	uint64_t pa = S2_MEMSLOT_PA(0x40000000);

	setup();
	leaf(&before, 0x40000000, 2, pa, R, 1);
	leaf(&after, 0x40001000, 3, pa + SZ_4K, RW, 1);
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40001000, .prot = S2_PROT_W,
			      .page = true), 0), 0);
	/* Relaxing the block instead is what dirty logging must not do. */
	leaf(&after, 0x40000000, 2, pa, RW, 1);
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40001000, .prot = S2_PROT_W,
			      .page = true), 0), 1);
	CHECK(reported("kind", 2, "IPA 0x40000000: expected unmapped, found "
				  "map 0x100040000000 rw"));
}

TEST(test_fault_on_device_maps_a_page_without_exec)
{
	unsigned int dx = S2_PROT_X | S2_PROT_DEVICE;

	setup();
	leaf(&after, 0x40123000, 3, S2_MEMSLOT_PA(0x40123000),
	     S2_PROT_R | S2_PROT_DEVICE, 1);
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40123000, .prot = dx), 0), 0);
	leaf(&after, 0x40123000, 3, S2_MEMSLOT_PA(0x40123000),
	     S2_PROT_R | dx, 1);
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40123000, .prot = dx), 0), 1);
	CHECK(reported("prot", 3, "expected map 0x100040123000 rd, found map "
				  "0x100040123000 rxd"));
}

TEST(test_fault_enomem_needs_an_allocation_failure)
{
	setup();
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40123000, .prot = R), -ENOMEM),
		     1);
	CHECK(reported("rc", -1, "expected 0, returned -ENOMEM"));
	alloc_fail();
	CHECK_EQ_U64(judge(OP(FAULT, .ipa = 0x40123000, .prot = R), -ENOMEM),
		     0);
}

/* --- unmap, wrprotect, relax --------------------------------------------- */

TEST(test_partial_unmap_of_block_is_clean)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 1);
	CHECK_EQ_U64(judge(OP(UNMAP, .ipa = 0x40100000, .size = SZ_4K), 0), 0);
	/* A kernel that unmapped only the page. */
	after_is_before();
	drop(&after, 0x40100000, SZ_4K);
	CHECK_EQ_U64(judge(OP(UNMAP, .ipa = 0x40100000, .size = SZ_4K), 0), 1);
	CHECK(reported("kind", 2, "IPA 0x40000000: expected unmapped, found "
				  "map 0x80000000 rw"));
}

TEST(test_unmap_removes_owner_annotations)
{
	setup();
	owned(&before, 0x40000000, 1);
	leaf(&before, 0x40001000, 3, 0x1000, RW, 1);
	CHECK_EQ_U64(judge(OP(UNMAP, .ipa = 0x40000000, .size = SZ_2M), 0), 0);
	owned(&after, 0x40000000, 1);
	CHECK_EQ_U64(judge(OP(UNMAP, .ipa = 0x40000000, .size = SZ_2M), 0), 1);
	CHECK(reported("kind", 3, "IPA 0x40000000: expected unmapped, found "
				  "owner 1"));
	s2o_imap_clear(&after);
	CHECK_EQ_U64(judge(OP(UNMAP, .ipa = 0x40000000, .size = SZ_2M),
			   -EAGAIN), 1);
	CHECK(reported("rc", -1, "expected 0, returned -EAGAIN"));
}

TEST(test_wrprotect_write_protects_whole_leaves)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 1);
	leaf(&after, 0x40000000, 2, 0x80000000, R, 1);
	CHECK_EQ_U64(judge(OP(WRPROTECT, .ipa = 0x40001000, .size = SZ_4K), 0),
		     0);
	after_is_before();
	CHECK_EQ_U64(judge(OP(WRPROTECT, .ipa = 0x40001000, .size = SZ_4K), 0),
		     1);
	CHECK(reported("prot", 2, "IPA 0x40000000: expected map 0x80000000 r, "
				  "found map 0x80000000 rw"));
}

TEST(test_wrprotect_keeps_owners_and_the_access_flag)
{
	setup();
	owned(&before, 0x40000000, 1);
	leaf(&before, 0x40001000, 3, 0x1000, RWX, 0);
	owned(&after, 0x40000000, 1);
	leaf(&after, 0x40001000, 3, 0x1000, S2_PROT_R | S2_PROT_X, 0);
	CHECK_EQ_U64(judge(OP(WRPROTECT, .ipa = 0x40000000, .size = SZ_2M), 0),
		     0);
	leaf(&after, 0x40001000, 3, 0x1000, S2_PROT_R | S2_PROT_X, 1);
	CHECK_EQ_U64(judge(OP(WRPROTECT, .ipa = 0x40000000, .size = SZ_2M), 0),
		     1);
	CHECK(reported("young", 3, "expected map 0x1000 rx old, found map "
				   "0x1000 rx young"));
}

TEST(test_relax_grants_permissions_to_the_whole_leaf)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, R, 0);
	leaf(&after, 0x40000000, 2, 0x80000000, RWX, 1);
	CHECK_EQ_U64(judge(OP(RELAX, .ipa = 0x40123000, .prot = RWX), 0), 0);
	CHECK_EQ_U64(judge(OP(RELAX, .ipa = 0x40123000, .prot = RWX), -EAGAIN),
		     0);
	CHECK_EQ_U64(judge(OP(RELAX, .ipa = 0x40123000, .prot = RWX), -ENOMEM),
		     1);
	CHECK(reported("rc", -1, "expected 0 or -EAGAIN, returned -ENOMEM"));
	leaf(&after, 0x40000000, 2, 0x80000000, RW, 1);
	CHECK_EQ_U64(judge(OP(RELAX, .ipa = 0x40123000, .prot = RWX), 0), 1);
	CHECK(reported("prot", 2, "expected map 0x80000000 rwx, found map "
				  "0x80000000 rw"));
}

TEST(test_relax_never_takes_permissions_away)
{
	setup();
	leaf(&before, 0x40000000, 3, 0x1000, RWX, 1);
	after_is_before();
	CHECK_EQ_U64(judge(OP(RELAX, .ipa = 0x40000000, .prot = R), 0), 0);
	leaf(&after, 0x40000000, 3, 0x1000, R, 1);
	CHECK_EQ_U64(judge(OP(RELAX, .ipa = 0x40000000, .prot = R), 0), 1);
	CHECK(reported("prot", 3, "expected map 0x1000 rwx, found map "
				  "0x1000 r"));
}

/* --- the access flag ----------------------------------------------------- */

TEST(test_mkold_returns_whether_a_leaf_was_young)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 1);
	leaf(&before, 0x40200000, 3, 0x1000, RW, 0);
	leaf(&after, 0x40000000, 2, 0x80000000, RW, 0);
	leaf(&after, 0x40200000, 3, 0x1000, RW, 0);
	/* The range only touches the block: all of it gets old. */
	CHECK_EQ_U64(judge(OP(MKOLD, .ipa = 0x401ff000, .size = 2 * SZ_4K), 1),
		     0);
	CHECK_EQ_U64(judge(OP(MKOLD, .ipa = 0x401ff000, .size = 2 * SZ_4K), 0),
		     1);
	CHECK(reported("rc", -1, "expected 1, returned 0"));
	/* Nothing young in the range. */
	CHECK_EQ_U64(judge(OP(MKOLD, .ipa = 0x40200000, .size = SZ_4K), 0), 0);
	CHECK_EQ_U64(judge(OP(MKOLD, .ipa = 0x40200000, .size = SZ_4K), 1), 1);
	CHECK(reported("rc", -1, "expected 0, returned 1"));
}

TEST(test_mkold_must_clear_the_access_flag)
{
	setup();
	leaf(&before, 0x40000000, 3, 0x1000, RW, 1);
	after_is_before();
	CHECK_EQ_U64(judge(OP(MKOLD, .ipa = 0x40000000, .size = SZ_2M), 1), 1);
	CHECK(reported("young", 3, "expected map 0x1000 rw old, found map "
				   "0x1000 rw young"));
}

TEST(test_mkyoung_sets_the_access_flag_of_the_leaf)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 0);
	leaf(&after, 0x40000000, 2, 0x80000000, RW, 1);
	CHECK_EQ_U64(judge(OP(MKYOUNG, .ipa = 0x40123000), 1), 0);
	CHECK_EQ_U64(judge(OP(MKYOUNG, .ipa = 0x40123000), 0), 1);
	CHECK(reported("rc", -1, "expected 1, returned 0"));
	after_is_before();
	CHECK_EQ_U64(judge(OP(MKYOUNG, .ipa = 0x40123000), 1), 1);
	CHECK(reported("young", 2, "expected map 0x80000000 rw young, found "
				   "map 0x80000000 rw old"));
	/* No leaf there. */
	CHECK_EQ_U64(judge(OP(MKYOUNG, .ipa = 0x50000000), 0), 0);
	CHECK_EQ_U64(judge(OP(MKYOUNG, .ipa = 0x50000000), 1), 1);
	CHECK(reported("rc", -1, "expected 0, returned 1"));
}

/* --- split --------------------------------------------------------------- */

TEST(test_split_keeps_the_mapping)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 0);
	leaves(&after, 0x40000000, 512, 3, 0x80000000, RW, 1);
	CHECK_EQ_U64(judge(OP(SPLIT, .ipa = 0x40000000, .size = SZ_4K), 0), 0);
	leaf(&after, 0x40005000, 3, 0x90000000, RW, 1);
	CHECK_EQ_U64(judge(OP(SPLIT, .ipa = 0x40000000, .size = SZ_4K), 0), 1);
	CHECK(reported("pa", 3, "IPA 0x40005000: expected map 0x80005000 rw, "
				"found map 0x90000000 rw"));
}

TEST(test_split_unsupported_changes_nothing)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 0);
	after_is_before();
	CHECK_EQ_U64(judge(OP(SPLIT, .ipa = 0x40000000, .size = SZ_2M),
			   S2_UNSUPPORTED), 0);
	leaves(&after, 0x40000000, 512, 3, 0x80000000, RW, 1);
	CHECK_EQ_U64(judge(OP(SPLIT, .ipa = 0x40000000, .size = SZ_2M),
			   S2_UNSUPPORTED), 1);
	CHECK(reported("young", 3, "expected map 0x80000000 rw old, found map "
				   "0x80000000 rw young"));
}

TEST(test_split_enomem_is_allowed_if_the_mapping_reads_the_same)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 1);
	after_is_before();
	CHECK_EQ_U64(judge(OP(SPLIT, .ipa = 0x40000000, .size = SZ_2M),
			   -ENOMEM), 0);
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 1);
	leaf(&after, 0x40000000, 2, 0x90000000, RW, 1);
	CHECK_EQ_U64(judge(OP(SPLIT, .ipa = 0x40000000, .size = SZ_2M),
			   -ENOMEM), 1);
}

/* --- set_owner ----------------------------------------------------------- */

TEST(test_owner_id_above_max_is_einval)
{
	setup();
	leaf(&before, 0x40000000, 3, 0x1000, RW, 1);
	after_is_before();
	CHECK_EQ_U64(judge(OP(OWNER, .ipa = 0x40000000, .size = SZ_4K,
			      .count = 2), -EINVAL), 0);
	CHECK_EQ_U64(judge(OP(OWNER, .ipa = 0x40000000, .size = SZ_4K,
			      .count = 2), 0), 1);
	CHECK(reported("rc", -1, "expected -EINVAL, returned 0"));
}

TEST(test_owner_over_block_drops_the_rest)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 1);
	owned(&after, 0x40001000, 1);
	CHECK_EQ_U64(judge(OP(OWNER, .ipa = 0x40001000, .size = SZ_4K,
			      .count = 1), 0), 0);
	after_is_before();
	owned(&after, 0x40001000, 1);
	CHECK_EQ_U64(judge(OP(OWNER, .ipa = 0x40001000, .size = SZ_4K,
			      .count = 1), 0), 1);
	CHECK(reported("kind", 2, "IPA 0x40000000: expected unmapped, found "
				  "map 0x80000000 rw"));
}

TEST(test_owner_zero_clears_annotations)
{
	setup();
	owned(&before, 0x40000000, 1);
	owned(&before, 0x40001000, 1);
	owned(&after, 0x40001000, 1);
	CHECK_EQ_U64(judge(OP(OWNER, .ipa = 0x40000000, .size = 2 * SZ_4K,
			      .count = 0), 0), 1);
	CHECK(reported("kind", 3, "IPA 0x40001000: expected unmapped, found "
				  "owner 1"));
	s2o_imap_clear(&after);
	CHECK_EQ_U64(judge(OP(OWNER, .ipa = 0x40000000, .size = 2 * SZ_4K,
			      .count = 0), 0), 0);
}

/* --- the rest ------------------------------------------------------------ */

TEST(test_flush_and_memcache_change_nothing)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 1);
	after_is_before();
	CHECK_EQ_U64(judge(OP(FLUSH, .ipa = 0x40000000, .size = SZ_2M), 0), 0);
	CHECK_EQ_U64(judge(OP(MEMCACHE, .count = 3), 0), 0);
	CHECK_EQ_U64(judge(OP(MEMCACHE, .count = 3), 1), 1);
	CHECK(reported("rc", -1, "expected 0, returned 1"));
	drop(&after, 0x40000000, SZ_2M);
	CHECK_EQ_U64(judge(OP(FLUSH, .ipa = 0x40000000, .size = SZ_2M), 0), 1);
	CHECK(reported("kind", 2, "expected map 0x80000000 rw, found "
				  "unmapped"));
}

TEST(test_destroy_is_not_judged)
{
	setup();
	leaf(&before, 0x40000000, 2, 0x80000000, RW, 1);
	store(0x40000000, 2);
	info.op = NULL;
	info.rc = -ENOMEM;
	report = (struct s2o_report){ .info = &info };
	s2o_model_check(&info, &report);
	CHECK_EQ_U64(report.nr, 0);
}

/* --- what is compared ---------------------------------------------------- */

TEST(test_store_outside_op_range_is_reported)
{
	setup();
	leaf(&before, 0x80000000, 3, 0x1000000, RW, 1);
	leaf(&after, 0x40000000, 3, 0x2000000, RW, 1);
	leaf(&after, 0x80000000, 3, 0x3000000, RW, 1);
	/* Only what the op could change, and what it stored to, is read. */
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_4K,
			      .pa = 0x2000000, .prot = RW), 0), 0);
	store(0x40000000, 3);
	store(0x80000000, 3);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_4K,
			      .pa = 0x2000000, .prot = RW), 0), 1);
	CHECK(reported("pa", 3, "IPA 0x80000000: expected map 0x1000000 rw, "
				"found map 0x3000000 rw"));
}

TEST(test_table_store_covers_its_whole_range)
{
	setup();
	leaf(&before, 0x7fe00000, 2, 0x1000000, RW, 1);
	/* A level-1 table entry translates the whole gigabyte. */
	store(0x40000000, 1);
	CHECK_EQ_U64(judge(OP(UNMAP, .ipa = 0x40000000, .size = SZ_4K), 0), 1);
	CHECK(reported("kind", 2, "IPA 0x7fe00000: expected map 0x1000000 rw, "
				  "found unmapped"));
}

TEST(test_first_differing_ipa_is_reported)
{
	setup();
	leaf(&after, 0x40000000, 2, 0x80000000, RW, 1);
	leaf(&after, 0x40200000, 2, 0x90000000, RW, 1);
	leaf(&after, 0x10000000, 3, 0x5000, R, 1);
	store(0x40000000, 2);
	store(0x10000000, 3);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = 2 * SZ_2M,
			      .pa = 0x80000000, .prot = RW), 0), 1);
	CHECK(reported("kind", 3, "IPA 0x10000000: expected unmapped, found "
				  "map 0x5000 r"));
}

/* --- geometry and cost --------------------------------------------------- */

TEST(test_block_levels_follow_the_ipa_size)
{
	setup();
	leaves(&before, 0x40000000, 512, 2, 0x80000000, R, 1);
	after_is_before();
	/* 32 bits start at level 2: 2M chunks, each unchanged. */
	info.ipa_bits = 32;
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_1G,
			      .pa = 0x80000000, .prot = RW), -EAGAIN), 0);
	/* 40 bits have 1G blocks: a table of 2M blocks is replaced. */
	info.ipa_bits = 40;
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0x40000000, .size = SZ_1G,
			      .pa = 0x80000000, .prot = RW), -EAGAIN), 1);
	CHECK(reported("rc", -1, "expected 0, returned -EAGAIN"));
}

TEST(test_ops_inside_a_1g_block_act_on_all_of_it)
{
	setup();
	leaf(&before, 0x40000000, 1, 0x100000000, RW, 1);
	leaf(&after, 0x40000000, 1, 0x100000000, R, 1);
	CHECK_EQ_U64(judge(OP(WRPROTECT, .ipa = 0x5ffff000, .size = SZ_4K), 0),
		     0);
	s2o_imap_clear(&after);
	CHECK_EQ_U64(judge(OP(UNMAP, .ipa = 0x5ffff000, .size = SZ_4K), 0), 0);
}

/*
 * 8T of pages, one interval: a model that went page by page would take
 * 2^31 steps and never finish this test.
 */
TEST(test_terabytes_of_pages_cost_like_one_interval)
{
	uint64_t size = 8ULL << 40;
	struct s2o_val v = { .kind = S2O_MAPPED, .prot = RW, .level = 3,
			     .young = 1, .pa = 0x1000 };

	setup();
	info.ipa_bits = 44;
	s2o_imap_set(&after, 0, size, &v);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0, .size = size, .pa = 0x1000,
			      .prot = RW), 0), 0);
	leaf(&after, size - SZ_4K, 3, 0x1000, RW, 1);
	CHECK_EQ_U64(judge(OP(MAP, .ipa = 0, .size = size, .pa = 0x1000,
			      .prot = RW), 0), 1);
	CHECK(reported("pa", 3, "IPA 0x7fffffff000: expected map 0x80000000000 "
				"rw, found map 0x1000 rw"));
}

int main(void)
{
	RUN(test_map_into_empty_space_is_clean);
	RUN(test_map_wrong_pa_is_reported);
	RUN(test_map_wrong_prot_is_reported);
	RUN(test_new_leaf_must_be_young);
	RUN(test_map_to_misaligned_pa_maps_pages);
	RUN(test_map_inside_block_drops_rest_of_block);
	RUN(test_map_replaces_table_of_pages_by_block);
	RUN(test_map_device_exec_is_einval);
	RUN(test_unchanged_chunk_allows_eagain);
	RUN(test_map_rc_eagain_without_unchanged_chunk_is_reported);
	RUN(test_old_leaf_is_replaced_not_unchanged);
	RUN(test_eagain_may_stop_the_walk_part_way);
	RUN(test_enomem_needs_an_allocation_failure);
	RUN(test_enomem_may_leave_a_broken_block_unmapped);
	RUN(test_enomem_breaks_only_the_block_the_range_ends_in);
	RUN(test_fault_on_block_of_its_granule_relaxes);
	RUN(test_fault_on_empty_maps_a_2m_block);
	RUN(test_fault_with_page_granule_maps_a_page_inside_the_block);
	RUN(test_fault_on_device_maps_a_page_without_exec);
	RUN(test_fault_enomem_needs_an_allocation_failure);
	RUN(test_partial_unmap_of_block_is_clean);
	RUN(test_unmap_removes_owner_annotations);
	RUN(test_wrprotect_write_protects_whole_leaves);
	RUN(test_wrprotect_keeps_owners_and_the_access_flag);
	RUN(test_relax_grants_permissions_to_the_whole_leaf);
	RUN(test_relax_never_takes_permissions_away);
	RUN(test_mkold_returns_whether_a_leaf_was_young);
	RUN(test_mkold_must_clear_the_access_flag);
	RUN(test_mkyoung_sets_the_access_flag_of_the_leaf);
	RUN(test_split_keeps_the_mapping);
	RUN(test_split_unsupported_changes_nothing);
	RUN(test_split_enomem_is_allowed_if_the_mapping_reads_the_same);
	RUN(test_owner_id_above_max_is_einval);
	RUN(test_owner_over_block_drops_the_rest);
	RUN(test_owner_zero_clears_annotations);
	RUN(test_flush_and_memcache_change_nothing);
	RUN(test_destroy_is_not_judged);
	RUN(test_store_outside_op_range_is_reported);
	RUN(test_table_store_covers_its_whole_range);
	RUN(test_first_differing_ipa_is_reported);
	RUN(test_block_levels_follow_the_ipa_size);
	RUN(test_ops_inside_a_1g_block_act_on_all_of_it);
	RUN(test_terabytes_of_pages_cost_like_one_interval);
	s2o_imap_free(&before);
	s2o_imap_free(&after);
	return check_summary();
}
