// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the live table's walk by runs (targets/runtime/table.c) and
 * of the view the oracle builds from it (oracle/view.c): a table built
 * through the real runtime, with runs that carry on and entries that break
 * them by PA, by attributes, by level and by the range asked for.
 */
#include "../../oracle/desc.h"
#include "../../oracle/oracle.h"
#include "check.h"
#include "live_table.h"

#define L3_IPA LIVE_L3_IPA
#define PA 0x80000000ULL
#define OWNER_1 (1ULL << 2)

/* l3a and l3b: [1G, 1G + 4M) by pages. */
static struct {
	struct live_table live;
	uint64_t *l3a, *l3b;
	struct s2o_imap view;
} t;

static void setup(void)
{
	live_table_build(&t.live, 2);
	t.l3a = t.live.l3[0];
	t.l3b = t.live.l3[1];
	s2o_imap_init(&t.view);
}

static void teardown(void)
{
	s2o_imap_free(&t.view);
	live_table_free(&t.live);
}

/* l3[first, first + nr) map PA on from pa, page by page. */
static void map_pages(uint64_t *l3, unsigned int first, unsigned int nr,
		      uint64_t pa, bool write)
{
	for (unsigned int i = 0; i < nr; i++)
		s2rt_store(&l3[first + i],
			   live_page_desc(pa + i * S2_PAGE_SIZE, write), false);
}

/* The leaf entries a walk reports, as "index:nr" from l3a and l3b. */
struct seen {
	char text[256];
};

static void note_leaf(const struct s2_entry *e, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	if (e->level == S2_LAST_LEVEL)
		snprintf(s->text + n, sizeof(s->text) - n, "%s%u:%u",
			 n ? " " : "", e->index, e->nr);
}

static const char *runs(uint64_t start, uint64_t end, struct seen *s)
{
	s->text[0] = '\0';
	s2rt_walk_runs(start, end, note_leaf, s);
	return s->text;
}

/* The interval of the view holding addr: "start-end map pa" or "owner". */
static const char *view_at(uint64_t addr, char buf[96])
{
	uint64_t start, end;
	struct s2o_val v = s2o_imap_get(&t.view, addr, &start, &end);
	char what[48];

	s2o_val_describe(&v, false, false, what, sizeof(what));
	snprintf(buf, 96, "0x%" PRIx64 "-0x%" PRIx64 " %s", start, end, what);
	return buf;
}

TEST(test_walk_runs_joins_only_entries_that_carry_on)
{
	struct seen s;

	setup();
	map_pages(t.l3a, 0, 10, PA, true);
	/* PA jumps; then the next page in PA but read-only; then owners. */
	map_pages(t.l3a, 10, 1, PA + 0x100000, true);
	map_pages(t.l3a, 11, 2, PA + 0x101000, false);
	s2rt_store(&t.l3a[13], OWNER_1, false);
	s2rt_store(&t.l3a[14], OWNER_1, false);
	s2rt_store(&t.l3a[15], OWNER_1 << 1, false);
	CHECK_EQ_STR(runs(L3_IPA, L3_IPA + (2ULL << 20), &s),
		     "0:10 10:1 11:2 13:2 15:1");
	/* A run ends where the range does; the walk by entry stays by entry. */
	CHECK_EQ_STR(runs(L3_IPA + 0x2000, L3_IPA + 0x5000, &s), "2:3");
	s.text[0] = '\0';
	s2rt_walk_range(L3_IPA, L3_IPA + 0x3000, note_leaf, &s);
	CHECK_EQ_STR(s.text, "0:1 1:1 2:1");
	teardown();
}

TEST(test_view_joins_runs_across_table_pages)
{
	char buf[96];

	setup();
	/* The last 2 pages of l3a and the first 3 of l3b: one run of PA. */
	map_pages(t.l3a, 510, 2, PA, true);
	map_pages(t.l3b, 0, 3, PA + 2 * S2_PAGE_SIZE, true);
	s2o_view_build(&t.view, 40);
	CHECK_EQ_U64(t.view.nr, 1);
	CHECK_EQ_STR(view_at(L3_IPA + 0x200000, buf),
		     "0x401fe000-0x40203000 map 0x80002000 rw");
	teardown();
}

TEST(test_view_splits_where_the_mapping_changes)
{
	char buf[96];

	setup();
	map_pages(t.l3a, 0, 4, PA, true);
	map_pages(t.l3a, 4, 2, PA + 0x10000, true);
	map_pages(t.l3a, 6, 1, PA + 0x12000, false);
	s2rt_store(&t.l3a[7], OWNER_1, false);
	s2rt_store(&t.l3a[8], OWNER_1, false);
	s2o_view_build(&t.view, 40);
	CHECK_EQ_U64(t.view.nr, 4);
	CHECK_EQ_STR(view_at(L3_IPA + 0x3000, buf),
		     "0x40000000-0x40004000 map 0x80003000 rw");
	CHECK_EQ_STR(view_at(L3_IPA + 0x5000, buf),
		     "0x40004000-0x40006000 map 0x80011000 rw");
	CHECK_EQ_STR(view_at(L3_IPA + 0x6000, buf),
		     "0x40006000-0x40007000 map 0x80012000 r");
	CHECK_EQ_STR(view_at(L3_IPA + 0x8000, buf),
		     "0x40007000-0x40009000 owner 1");
	teardown();
}

/*
 * An L2 block whose PA an L1 block carries on, with the same attributes:
 * the same descriptor bits a granule on, but two leaves' sizes, two runs.
 */
TEST(test_view_splits_where_the_level_changes)
{
	const uint64_t block_bits = LIVE_LEAF_BITS & ~S2_DESC_TABLE;
	char buf[96];

	setup();
	s2rt_store(&t.live.l2[511], 0x7fe00000 | block_bits, false);
	s2rt_store(&t.live.pgd[2], 0x80000000 | block_bits, false);
	s2o_view_build(&t.view, 40);
	CHECK_EQ_U64(t.view.nr, 2);
	CHECK_EQ_STR(view_at(0x7fe00000, buf),
		     "0x7fe00000-0x80000000 map 0x7fe00000 r");
	CHECK_EQ_STR(view_at(0x80000000, buf),
		     "0x80000000-0xc0000000 map 0x80000000 r");
	teardown();
}

TEST(test_view_update_walks_only_the_touched_ranges)
{
	const uint64_t touched[2] = { L3_IPA + 0x1000, L3_IPA + 0x3000 };
	char buf[96];

	setup();
	map_pages(t.l3a, 0, 8, PA, true);
	s2o_view_build(&t.view, 40);
	/* Pages 1-2 remapped, 5 unmapped: only [1, 3) is walked again. */
	map_pages(t.l3a, 1, 2, PA + 0x100000, true);
	s2rt_store(&t.l3a[5], 0, false);
	s2o_view_update(&t.view, touched, 1);
	CHECK_EQ_U64(t.view.nr, 3);
	CHECK_EQ_STR(view_at(L3_IPA + 0x2000, buf),
		     "0x40001000-0x40003000 map 0x80101000 rw");
	CHECK_EQ_STR(view_at(L3_IPA + 0x5000, buf),
		     "0x40003000-0x40008000 map 0x80005000 rw");
	teardown();
}

int main(void)
{
	RUN(test_walk_runs_joins_only_entries_that_carry_on);
	RUN(test_view_joins_runs_across_table_pages);
	RUN(test_view_splits_where_the_mapping_changes);
	RUN(test_view_splits_where_the_level_changes);
	RUN(test_view_update_walks_only_the_touched_ranges);
	return check_summary();
}
