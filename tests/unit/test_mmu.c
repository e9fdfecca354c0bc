// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of oracle/mmu.c, the simulated MMU: a table built through the
 * real runtime stands in for the kernel's, and each rule has a translation
 * that breaks it and one that keeps it.
 */
#include "../../oracle/desc.h"
#include "../../oracle/oracle.h"
#include "check.h"
#include "live_table.h"

#define IPA LIVE_L3_IPA
#define PA 0x80000000ULL

/* The live table; its l3[0][0] is IPA's entry. */
static struct {
	struct live_table live;
	struct s2o_mmu *mmu;
	struct s2o_imap before, after;
	struct s2o_report r;
	struct s2o_fault_window fw;
} t;

static void setup(void)
{
	live_table_build(&t.live, 1);
	t.mmu = s2o_mmu_create();
	s2o_imap_init(&t.before);
	s2o_imap_init(&t.after);
}

static void teardown(void)
{
	s2o_mmu_free(t.mmu);
	s2o_imap_free(&t.before);
	s2o_imap_free(&t.after);
	live_table_free(&t.live);
}

static void map_page(struct s2o_imap *m, uint64_t pa, unsigned int prot)
{
	struct s2o_val v = { .kind = S2O_MAPPED, .prot = prot, .level = 3,
			     .pa = pa };

	s2o_imap_set(m, IPA, IPA + S2_PAGE_SIZE, &v);
}

/* The MMU armed for op, translating IPA once, then judged. */
static void translate_during(const struct s2_op *op)
{
	s2o_mmu_arm(t.mmu, &t.before, &op, 1, true);
	s2o_mmu_probe(t.mmu);
	t.r = (struct s2o_report){ 0 };
	s2o_mmu_finish(t.mmu, &t.after, &t.r, &t.fw);
}

static bool only(const char *field)
{
	bool ok = t.r.nr == 1 && !strcmp(t.r.findings[0].check, "mmu") &&
		  !strcmp(t.r.findings[0].field, field);

	for (unsigned int i = 0; !ok && i < t.r.nr; i++)
		fprintf(stderr, "  finding %s/%s: %s\n", t.r.findings[i].check,
			t.r.findings[i].field, t.r.findings[i].msg);
	return ok;
}

TEST(test_mmu_mapping_before_is_allowed)
{
	struct s2_op op = { .kind = S2_OP_UNMAP, .ipa = IPA,
			    .size = S2_PAGE_SIZE };

	setup();
	map_page(&t.before, PA, S2_PROT_R | S2_PROT_W);
	s2rt_store(&t.live.l3[0][0], live_page_desc(PA, true), false);
	translate_during(&op);
	CHECK_EQ_U64(t.r.nr, 0);
	teardown();
}

TEST(test_mmu_running_op_mapping_is_allowed)
{
	struct s2_op op = { .kind = S2_OP_MAP, .ipa = IPA,
			    .size = S2_PAGE_SIZE, .pa = PA + 0x5000,
			    .prot = S2_PROT_R | S2_PROT_W };

	setup();
	map_page(&t.before, PA, S2_PROT_R);
	s2rt_store(&t.live.l3[0][0], live_page_desc(PA + 0x5000, true), false);
	translate_during(&op);
	CHECK_EQ_U64(t.r.nr, 0);
	teardown();
}

TEST(test_mmu_catches_pa_no_op_maps)
{
	struct s2_op op = { .kind = S2_OP_MAP, .ipa = IPA,
			    .size = S2_PAGE_SIZE, .pa = PA + 0x5000,
			    .prot = S2_PROT_R };

	setup();
	map_page(&t.before, PA, S2_PROT_R);
	s2rt_store(&t.live.l3[0][0], live_page_desc(PA + 0x9000, false), false);
	translate_during(&op);
	CHECK(only("translation"));
	teardown();
}

TEST(test_mmu_catches_permission_nobody_granted)
{
	struct s2_op op = { .kind = S2_OP_WRPROTECT, .ipa = IPA,
			    .size = S2_PAGE_SIZE };

	setup();
	map_page(&t.before, PA, S2_PROT_R);
	s2rt_store(&t.live.l3[0][0], live_page_desc(PA, true), false);
	translate_during(&op);
	CHECK(only("translation"));
	teardown();
}

TEST(test_mmu_catches_walk_into_freed_table)
{
	struct s2_op op = { .kind = S2_OP_UNMAP, .ipa = IPA,
			    .size = S2_PAGE_SIZE };

	setup();
	s2rt_page_put(t.live.l3[0]);
	translate_during(&op);
	CHECK(only("use-after-free"));
	teardown();
}

/* A fault is always allowed; at an IPA mapped before and after it counts. */
TEST(test_mmu_counts_faults_in_the_window)
{
	struct s2_op op = { .kind = S2_OP_MAP, .ipa = IPA,
			    .size = S2_PAGE_SIZE, .pa = PA,
			    .prot = S2_PROT_R };

	setup();
	map_page(&t.before, PA, S2_PROT_R);
	map_page(&t.after, PA, S2_PROT_R);
	translate_during(&op);
	CHECK_EQ_U64(t.r.nr, 0);
	CHECK_EQ_U64(t.fw.faults, t.fw.walks);
	CHECK(t.fw.walks > 0);
	/* Not mapped after: the fault is the op's doing, not a window. */
	s2o_imap_clear(&t.after);
	translate_during(&op);
	CHECK_EQ_U64(t.fw.walks, 0);
	teardown();
}

int main(void)
{
	RUN(test_mmu_mapping_before_is_allowed);
	RUN(test_mmu_running_op_mapping_is_allowed);
	RUN(test_mmu_catches_pa_no_op_maps);
	RUN(test_mmu_catches_permission_nobody_granted);
	RUN(test_mmu_catches_walk_into_freed_table);
	RUN(test_mmu_counts_faults_in_the_window);
	return check_summary();
}
