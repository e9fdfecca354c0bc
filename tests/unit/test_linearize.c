// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of oracle/linearize.c, the linearizability check of a
 * concurrent section: each test builds the mapping before the section, its
 * ops on their threads with what each returned, and the mapping the threads
 * left, and checks that an outcome some serialization explains passes and
 * one none explains is reported.
 */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "../../oracle/desc.h"
#include "../../oracle/oracle.h"

#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL

#define R S2_PROT_R
#define RW (S2_PROT_R | S2_PROT_W)

#define OP(kind_, ...) ((struct s2_op){ .kind = S2_OP_##kind_, __VA_ARGS__ })

/* Two pages in one 1G slot, and one in another. */
#define PAGE_A 0x40000000ULL
#define PAGE_B 0x40200000ULL
#define FAR_PAGE 0x100000000ULL

static struct s2o_imap before, after;
static struct s2o_opinfo info;
static struct s2_op ops[S2_SECTION_MAX_OPS];
static struct s2o_thread_op section[S2_SECTION_MAX_OPS];
static unsigned int nr_ops;
static uint64_t touched[2];
static struct s2o_report report;

static void setup(void)
{
	s2o_imap_clear(&before);
	s2o_imap_clear(&after);
	nr_ops = 0;
	info = (struct s2o_opinfo){
		.ipa_bits = 40,
		.api = "visit-ctx",
		.before = &before,
		.after = &after,
	};
}

/* The next op of the section: op on thread, which returned rc. */
static void on(unsigned int thread, struct s2_op op, int rc)
{
	ops[nr_ops] = op;
	section[nr_ops] = (struct s2o_thread_op){
		.op = &ops[nr_ops], .thread = thread, .rc = rc,
	};
	nr_ops++;
}

static void leaf(struct s2o_imap *m, uint64_t ipa, int level, uint64_t pa,
		 unsigned int prot, unsigned int young)
{
	struct s2o_val v = { .kind = S2O_MAPPED, .prot = prot, .level = level,
			     .young = young, .pa = pa };

	s2o_imap_set(m, ipa, ipa + s2_level_size(level), &v);
}

static void page(struct s2o_imap *m, uint64_t ipa, uint64_t pa,
		 unsigned int prot)
{
	leaf(m, ipa, 3, pa, prot, 1);
}

/* Runs the check on the section; the number of findings. */
static unsigned int judge(void)
{
	info.op = &ops[0];
	s2o_report_init(&report, &info);
	s2o_linearizability_check(&info, section, nr_ops, &report);
	return report.nr;
}

/* Is there a "linear" finding on field whose message contains text? */
static bool reported(const char *field, const char *text)
{
	for (unsigned int i = 0; i < report.nr; i++) {
		const struct s2o_finding *f = &report.findings[i];

		if (!strcmp(f->check, "linear") && !strcmp(f->field, field) &&
		    strstr(f->msg, text))
			return true;
	}
	for (unsigned int i = 0; i < report.nr; i++)
		fprintf(stderr, "  finding: %s %s: %s\n",
			report.findings[i].check, report.findings[i].field,
			report.findings[i].msg);
	return false;
}

TEST(test_racing_maps_of_one_page_may_land_either_way)
{
	setup();
	on(1, OP(MAP, .ipa = PAGE_A, .size = SZ_4K, .pa = 0x1000, .prot = RW),
	   0);
	on(2, OP(MAP, .ipa = PAGE_A, .size = SZ_4K, .pa = 0x2000, .prot = RW),
	   0);
	page(&after, PAGE_A, 0x1000, RW);
	CHECK_EQ_U64(judge(), 0);
	page(&after, PAGE_A, 0x2000, RW);
	CHECK_EQ_U64(judge(), 0);
	/* Neither thread mapped this PA. */
	page(&after, PAGE_A, 0x3000, RW);
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("pa", "no serialization of 2 ops explains the "
				"section: t1 map 0x40000000 4K 0x1000 rw, t2 "
				"map 0x40000000 4K 0x2000 rw: IPA 0x40000000: "
				"expected map 0x2000 rw, found map 0x3000 rw"));
	CHECK_EQ_U64(report.findings[0].level, 3);
}

TEST(test_each_thread_keeps_its_order)
{
	setup();
	on(1, OP(MAP, .ipa = PAGE_A, .size = SZ_4K, .pa = 0x1000, .prot = RW),
	   0);
	on(1, OP(UNMAP, .ipa = PAGE_A, .size = SZ_4K), 0);
	on(2, OP(MAP, .ipa = PAGE_B, .size = SZ_4K, .pa = 0x2000, .prot = RW),
	   0);
	page(&after, PAGE_B, 0x2000, RW);
	CHECK_EQ_U64(judge(), 0);
	/* Only an unmap before its map could leave the page. */
	page(&after, PAGE_A, 0x1000, RW);
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("kind", "IPA 0x40000000: expected unmapped, found "
				"map 0x1000 rw"));
}

TEST(test_rc_no_order_allows_is_reported)
{
	setup();
	on(1, OP(MAP, .ipa = PAGE_A, .size = SZ_4K, .pa = 0x1000, .prot = RW),
	   0);
	on(2, OP(UNMAP, .ipa = PAGE_A, .size = SZ_4K), 0);
	CHECK_EQ_U64(judge(), 0);
	section[1].rc = -EINVAL;
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("rc", "section: t1 map 0x40000000 4K 0x1000 rw, t2 "
			     "unmap 0x40000000 4K: expected 0, returned "
			     "-EINVAL"));
	CHECK_EQ_U64(report.findings[0].level, (uint64_t)-1);
}

TEST(test_a_fault_that_lost_the_race_did_nothing)
{
	setup();
	on(1, OP(FAULT, .ipa = PAGE_A, .prot = S2_PROT_W), 0);
	on(2, OP(MAP, .ipa = PAGE_B, .size = SZ_4K, .pa = 0x2000, .prot = RW),
	   0);
	page(&after, PAGE_B, 0x2000, RW);
	CHECK_EQ_U64(judge(), 0);
	/* Any other op must have done its part. */
	ops[0] = OP(MAP, .ipa = PAGE_A, .size = SZ_4K, .pa = 0x1000, .prot = RW);
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("kind", "IPA 0x40000000: expected map 0x1000 rw, "
				"found unmapped"));
}

/* A store of the section's event log: thread's, to the entry at ipa. */
static struct s2rt_event events[2];

static void stored(unsigned int thread, uint64_t ipa, int level)
{
	events[info.nr_events++] = (struct s2rt_event){
		.kind = S2RT_EV_STORE, .level = level, .thread = thread,
		.ipa = ipa,
	};
	info.events = events;
}

/*
 * A mkyoung that met the table entry above its page locked by another
 * thread (6.12 coalescing the table into a block) returns no leaf; one
 * that no other thread's store could have stopped must not.
 */
TEST(test_a_mkyoung_that_met_a_broken_entry_did_nothing)
{
	setup();
	leaf(&before, PAGE_A, 3, 0x1000, RW, 0);
	on(1, OP(MKYOUNG, .ipa = PAGE_A), 0);
	on(2, OP(MAP, .ipa = PAGE_A, .size = SZ_2M, .pa = 0x200000,
		 .prot = RW), 0);
	leaf(&after, PAGE_A, 2, 0x200000, RW, 1);
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("rc", "t1 mkyoung 0x40000000: expected 1, returned 0"));
	/* Its own store, or another thread's elsewhere, stopped nothing. */
	stored(1, PAGE_A, 2);
	stored(2, PAGE_A - SZ_2M, 2);
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("rc", "expected 1, returned 0"));
	info.nr_events = 0;
	stored(2, PAGE_A, 2);
	CHECK_EQ_U64(judge(), 0);
	/* Having lost, it changed nothing: the page stays old. */
	setup();
	leaf(&before, PAGE_A, 3, 0x1000, RW, 0);
	on(1, OP(MKYOUNG, .ipa = PAGE_A), 0);
	on(2, OP(MAP, .ipa = PAGE_B, .size = SZ_4K, .pa = 0x2000, .prot = RW),
	   0);
	stored(2, PAGE_A, 1);
	leaf(&after, PAGE_A, 3, 0x1000, RW, 0);
	page(&after, PAGE_B, 0x2000, RW);
	CHECK_EQ_U64(judge(), 0);
	leaf(&after, PAGE_A, 3, 0x1000, RW, 1);
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("young", "IPA 0x40000000: expected map 0x1000 rw old"));
}

/*
 * 6.1's map stops at a chunk it leaves unchanged (-EAGAIN): the chunks
 * before it are new, the ones after it old.
 */
TEST(test_a_walk_may_stop_part_way)
{
	setup();
	leaf(&before, PAGE_B, 2, 0x80200000, R, 1);
	on(1, OP(MAP, .ipa = PAGE_A, .size = 3 * SZ_2M, .pa = 0x80000000,
		 .prot = R), -EAGAIN);
	on(2, OP(MAP, .ipa = FAR_PAGE, .size = SZ_4K, .pa = 0x2000,
		 .prot = RW), 0);
	leaf(&after, PAGE_A, 2, 0x80000000, R, 1);
	leaf(&after, PAGE_B, 2, 0x80200000, R, 1);
	page(&after, FAR_PAGE, 0x2000, RW);
	CHECK_EQ_U64(judge(), 0);
	leaf(&after, PAGE_B + SZ_2M, 2, 0x90000000, R, 1);
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("pa", "IPA 0x40400000: expected map 0x80400000 r, "
				"found map 0x90000000 r"));
}

/*
 * And stopped at once, at a first chunk it left unchanged: only then does
 * mkold find nothing young in the second.
 */
TEST(test_a_walk_may_stop_at_once)
{
	setup();
	leaf(&before, PAGE_A, 2, 0x80000000, R, 1);
	on(1, OP(MAP, .ipa = PAGE_A, .size = 2 * SZ_2M, .pa = 0x80000000,
		 .prot = R), -EAGAIN);
	on(1, OP(MKOLD, .ipa = PAGE_B, .size = SZ_2M), 0);
	on(1, OP(MAP, .ipa = PAGE_B, .size = SZ_2M, .pa = 0x80200000,
		 .prot = R), 0);
	on(2, OP(MAP, .ipa = FAR_PAGE, .size = SZ_4K, .pa = 0x2000,
		 .prot = RW), 0);
	leaf(&after, PAGE_A, 2, 0x80000000, R, 1);
	leaf(&after, PAGE_B, 2, 0x80200000, R, 1);
	page(&after, FAR_PAGE, 0x2000, RW);
	CHECK_EQ_U64(judge(), 0);
	/* Had the walk gone on, mkold would have found a young block. */
	section[0].rc = 0;
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("rc", "t1 mkold 0x40200000 2M: expected 1, returned 0"));
}

/*
 * relax may leave the access flag as it was or set it: mkold after it
 * returns 0 or 1, and the search must try both.
 */
TEST(test_an_access_flag_left_open_is_settled_both_ways)
{
	setup();
	leaf(&before, PAGE_A, 3, 0x1000, R, 0);
	on(1, OP(RELAX, .ipa = PAGE_A, .prot = S2_PROT_W), 0);
	on(1, OP(MKOLD, .ipa = PAGE_A, .size = SZ_4K), 0);
	on(2, OP(MAP, .ipa = PAGE_B, .size = SZ_4K, .pa = 0x2000, .prot = RW),
	   0);
	leaf(&after, PAGE_A, 3, 0x1000, RW, 0);
	page(&after, PAGE_B, 0x2000, RW);
	CHECK_EQ_U64(judge(), 0);
	section[1].rc = 1;
	CHECK_EQ_U64(judge(), 0);
	section[1].rc = 2;
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("rc", "expected 0, returned 2"));
}

TEST(test_a_stray_store_outside_every_op_is_reported)
{
	setup();
	on(1, OP(MAP, .ipa = PAGE_A, .size = SZ_4K, .pa = 0x1000, .prot = RW),
	   0);
	on(2, OP(UNMAP, .ipa = PAGE_B, .size = SZ_4K), 0);
	page(&after, PAGE_A, 0x1000, RW);
	page(&after, FAR_PAGE, 0x5000, RW);
	/* The view walks again only what stores touched. */
	CHECK_EQ_U64(judge(), 0);
	touched[0] = FAR_PAGE;
	touched[1] = FAR_PAGE + SZ_4K;
	info.touched = touched;
	info.nr_touched = 1;
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("kind", "IPA 0x100000000: expected unmapped, found "
				"map 0x5000 rw"));
}

/* The largest section: 90 serializations, each op a few outcomes. */
static void six_ops_on_three_threads(void)
{
	on(1, OP(MAP, .ipa = PAGE_A, .size = SZ_4K, .pa = 0x1000, .prot = RW),
	   0);
	on(1, OP(MKOLD, .ipa = PAGE_A, .size = SZ_4K), 1);
	on(2, OP(MAP, .ipa = PAGE_A, .size = SZ_4K, .pa = 0x2000, .prot = RW),
	   0);
	on(2, OP(UNMAP, .ipa = PAGE_A, .size = SZ_4K), 0);
	on(3, OP(MAP, .ipa = PAGE_A, .size = SZ_4K, .pa = 0x3000, .prot = R),
	   0);
	on(3, OP(WRPROTECT, .ipa = PAGE_A, .size = SZ_4K), 0);
}

TEST(test_six_ops_on_three_threads_are_all_tried)
{
	setup();
	six_ops_on_three_threads();
	/* Only t2, t2, t3, t3, t1, t1 leaves this. */
	leaf(&after, PAGE_A, 3, 0x1000, RW, 0);
	CHECK_EQ_U64(judge(), 0);
	/* t3 mapped 0x3000 read-only: no order makes it writable. */
	leaf(&after, PAGE_A, 3, 0x3000, RW, 1);
	CHECK_EQ_U64(judge(), 1);
	CHECK(reported("prot", "no serialization of 6 ops explains the "
				"section: "));
	CHECK(reported("prot", "found map 0x3000 rw"));
}

int main(void)
{
	RUN(test_racing_maps_of_one_page_may_land_either_way);
	RUN(test_each_thread_keeps_its_order);
	RUN(test_rc_no_order_allows_is_reported);
	RUN(test_a_fault_that_lost_the_race_did_nothing);
	RUN(test_a_mkyoung_that_met_a_broken_entry_did_nothing);
	RUN(test_a_walk_may_stop_part_way);
	RUN(test_a_walk_may_stop_at_once);
	RUN(test_an_access_flag_left_open_is_settled_both_ways);
	RUN(test_a_stray_store_outside_every_op_is_reported);
	RUN(test_six_ops_on_three_threads_are_all_tried);
	s2o_imap_free(&before);
	s2o_imap_free(&after);
	return check_summary();
}
