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
	for (int i = 0; i < 4; i++)
		set(&dst, BASE + i * SZ_4K, BASE + (i + 1) * SZ_4K,
		    0x80000000 + i * SZ_4K, 3);
	set(&src, BASE + SZ_4K, BASE + 2 * SZ_4K, 0xa0000000, 3);
	set(&src, BASE + 2 * SZ_4K, BASE + 3 * SZ_4K, 0xb0000000, 3);
	s2o_imap_splice(&dst, BASE + SZ_4K, BASE + 3 * SZ_4K, &src);
	CHECK_EQ_STR(shape(&dst), "0-1:80000000/3 1-2:a0000000/3 "
				  "2-3:b0000000/3 3-4:80003000/3");
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
		    0x90000000 + i * SZ_4K, 3);
	s2o_imap_splice(&dst, BASE, BASE + 9 * SZ_4K, &src);
	CHECK_EQ_STR(shape(&dst), "0-1:90000000/3 1-2:90001000/3 "
				  "2-3:90002000/3 9-10:70000000/3");
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

int main(void)
{
	s2o_imap_init(&dst);
	s2o_imap_init(&src);
	RUN(test_splice_inside_one_interval_keeps_both_ends);
	RUN(test_splice_one_for_one_rewrites_in_place);
	RUN(test_splice_clips_src_to_the_range);
	RUN(test_splice_of_a_gap_removes_and_grows_the_map);
	RUN(test_set_over_two_intervals_keeps_their_outer_parts);
	s2o_imap_free(&dst);
	s2o_imap_free(&src);
	return check_summary();
}
