// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of oracle/imap.c's edits: what a set or a splice leaves, and
 * the PA of every piece a range boundary cuts.
 */
#include "../../oracle/imap.h"
#include "check.h"

#define SZ_4K (1ULL << 12)
#define SZ_2M (1ULL << 21)
#define BASE (1ULL << 30)

static struct s2o_imap dst, src;

static struct s2o_val mapped(uint64_t pa, int level)
{
	return (struct s2o_val){ .kind = S2O_MAPPED, .prot = 1,
				 .level = (int8_t)level, .pa = pa };
}

static void set(struct s2o_imap *m, uint64_t start, uint64_t end,
		uint64_t pa, int level)
{
	struct s2o_val v = mapped(pa, level);

	s2o_imap_set(m, start, end, &v);
}

/* "start-end:pa/level" of every interval, relative to BASE, in pages. */
static const char *shape(const struct s2o_imap *m)
{
	static char buf[512];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->nr && len < sizeof(buf) - 64; i++)
		len += snprintf(buf + len, sizeof(buf) - len,
				"%s%" PRIu64 "-%" PRIu64 ":%" PRIx64 "/%d",
				i ? " " : "",
				(uint64_t)((m->iv[i].start - BASE) / SZ_4K),
				(uint64_t)((m->iv[i].end - BASE) / SZ_4K),
				m->iv[i].v.pa,
				m->iv[i].v.level);
	return buf;
}

static void start(void)
{
	s2o_imap_clear(&dst);
	s2o_imap_clear(&src);
}

TEST(test_splice_inside_one_interval_keeps_both_ends)
{
	start();
	set(&dst, BASE, BASE + SZ_2M, 0x80000000, 2);
	set(&src, BASE + 4 * SZ_4K, BASE + 6 * SZ_4K, 0x90000000, 3);
	s2o_imap_splice(&dst, BASE + 4 * SZ_4K, BASE + 6 * SZ_4K, &src);
	CHECK_EQ_STR(shape(&dst), "0-4:80000000/2 4-6:90000000/3 "
				  "6-512:80006000/2");
}

TEST(test_splice_one_for_one_rewrites_in_place)
{
	start();
	/* PAs that do not run on: four intervals, not one. */
	for (int i = 0; i < 4; i++)
		set(&dst, BASE + i * SZ_4K, BASE + (i + 1) * SZ_4K,
		    0x80000000 + 2 * i * SZ_4K, 3);
	set(&src, BASE + SZ_4K, BASE + 2 * SZ_4K, 0xa0000000, 3);
	set(&src, BASE + 2 * SZ_4K, BASE + 3 * SZ_4K, 0xb0000000, 3);
	s2o_imap_splice(&dst, BASE + SZ_4K, BASE + 3 * SZ_4K, &src);
	CHECK_EQ_STR(shape(&dst), "0-1:80000000/3 1-2:a0000000/3 "
				  "2-3:b0000000/3 3-4:80006000/3");
}

TEST(test_splice_clips_src_to_the_range)
{
	start();
	set(&dst, BASE + 10 * SZ_4K, BASE + 11 * SZ_4K, 0x70000000, 3);
	set(&src, BASE, BASE + SZ_2M, 0x80000000, 2);
	s2o_imap_splice(&dst, BASE + 2 * SZ_4K, BASE + 5 * SZ_4K, &src);
	CHECK_EQ_STR(shape(&dst), "2-5:80002000/2 10-11:70000000/3");
}

TEST(test_splice_of_a_gap_removes_and_grows_the_map)
{
	start();
	set(&dst, BASE, BASE + 8 * SZ_4K, 0x80000000, 3);
	set(&dst, BASE + 9 * SZ_4K, BASE + 10 * SZ_4K, 0x70000000, 3);
	s2o_imap_splice(&dst, BASE + 2 * SZ_4K, BASE + 9 * SZ_4K, &src);
	CHECK_EQ_STR(shape(&dst), "0-2:80000000/3 9-10:70000000/3");
	for (int i = 0; i < 3; i++)
		set(&src, BASE + i * SZ_4K, BASE + (i + 1) * SZ_4K,
		    0x90000000 + 2 * i * SZ_4K, 3);
	s2o_imap_splice(&dst, BASE, BASE + 9 * SZ_4K, &src);
	CHECK_EQ_STR(shape(&dst), "0-1:90000000/3 1-2:90002000/3 "
				  "2-3:90004000/3 9-10:70000000/3");
}

TEST(test_set_over_two_intervals_keeps_their_outer_parts)
{
	start();
	set(&dst, BASE, BASE + 4 * SZ_4K, 0x80000000, 3);
	set(&dst, BASE + 4 * SZ_4K, BASE + 8 * SZ_4K, 0x90000000, 3);
	set(&dst, BASE + 2 * SZ_4K, BASE + 6 * SZ_4K, 0xa0000000, 3);
	CHECK_EQ_STR(shape(&dst), "0-2:80000000/3 2-6:a0000000/3 "
				  "6-8:90002000/3");
}

/*
 * A walk's leaves in order: one interval while they carry on one another,
 * a new one at a PA jump, another level, other permissions or a gap.
 */
TEST(test_appended_leaves_that_carry_on_share_an_interval)
{
	struct s2o_val rx = mapped(0x90001000, 3);

	start();
	for (int i = 0; i < 4; i++)
		set(&dst, BASE + i * SZ_4K, BASE + (i + 1) * SZ_4K,
		    0x80000000 + i * SZ_4K, 3);
	set(&dst, BASE + 4 * SZ_4K, BASE + 5 * SZ_4K, 0x90000000, 3);
	rx.prot = 5;
	s2o_imap_set(&dst, BASE + 5 * SZ_4K, BASE + 6 * SZ_4K, &rx);
	set(&dst, BASE + 7 * SZ_4K, BASE + 8 * SZ_4K, 0x80007000, 3);
	set(&dst, BASE + SZ_2M, BASE + 2 * SZ_2M, 0x80200000, 2);
	set(&dst, BASE + 2 * SZ_2M, BASE + 3 * SZ_2M, 0x80400000, 2);
	CHECK_EQ_STR(shape(&dst), "0-4:80000000/3 4-5:90000000/3 "
				  "5-6:90001000/3 7-8:80007000/3 "
				  "512-1536:80200000/2");
}

int main(void)
{
	s2o_imap_init(&dst);
	s2o_imap_init(&src);
	RUN(test_splice_inside_one_interval_keeps_both_ends);
	RUN(test_splice_one_for_one_rewrites_in_place);
	RUN(test_splice_clips_src_to_the_range);
	RUN(test_splice_of_a_gap_removes_and_grows_the_map);
	RUN(test_set_over_two_intervals_keeps_their_outer_parts);
	RUN(test_appended_leaves_that_carry_on_share_an_interval);
	s2o_imap_free(&dst);
	s2o_imap_free(&src);
	return check_summary();
}
