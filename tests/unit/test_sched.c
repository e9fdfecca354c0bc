// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the scheduler (targets/runtime/sched.c): threads that log
 * who ran at each yield point stand in for vCPUs in the kernel.
 */
#include "../../targets/runtime/runtime.h"
#include "check.h"

#define STEPS 40
#define MAX_LOG (3 * STEPS + 8)

static struct {
	char log[MAX_LOG + 1];
	unsigned int len;
	bool exclusive[S2RT_MAX_THREADS + 1];
	unsigned int inside;	/* threads between lock and unlock */
	bool overlap;		/* an exclusive holder was not alone */
} g;

static void logged(unsigned int thread)
{
	if (g.len < MAX_LOG)
		g.log[g.len++] = '0' + thread;
}

/* Each thread logs itself at STEPS yield points, under the mmu_lock. */
static void worker(unsigned int thread, void *arg)
{
	(void)arg;
	s2rt_mmu_lock(g.exclusive[thread]);
	g.inside++;
	for (unsigned int i = 0; i < STEPS; i++) {
		if (g.inside > 1 && (g.exclusive[1] || g.exclusive[2] ||
				     g.exclusive[3]))
			g.overlap = true;
		logged(thread);
		s2rt_yield();
	}
	g.inside--;
	s2rt_mmu_unlock(g.exclusive[thread]);
}

static const char *run_bytes(const uint8_t *bytes, size_t nr)
{
	struct s2rt_schedule s;

	g.len = 0;
	g.overlap = false;
	s2rt_schedule_init(&s, S2RT_SCHED_BYTES, bytes, nr, 0, 0);
	CHECK_EQ_U64(s2rt_threads_run(3, false, worker, NULL, &s), 0);
	g.log[g.len] = '\0';
	return g.log;
}

static const char *run_pct(uint64_t seed, unsigned int depth)
{
	struct s2rt_schedule s;

	g.len = 0;
	s2rt_schedule_init(&s, S2RT_SCHED_PCT, NULL, 0, seed, depth);
	CHECK_EQ_U64(s2rt_threads_run(3, false, worker, NULL, &s), 0);
	g.log[g.len] = '\0';
	return g.log;
}

static bool interleaved(const char *log)
{
	/* Some thread runs, another runs, and the first runs again. */
	for (const char *p = log; *p; p++) {
		const char *q = strchr(p, *p == '1' ? '2' : '1');

		if (q && strchr(q, *p))
			return true;
	}
	return false;
}

TEST(test_sched_same_bytes_same_interleaving)
{
	static const uint8_t bytes[] = { 0x01, 0x06, 0x0a, 0x11, 0x02, 0x4d,
					 0x03, 0x08, 0x21, 0x00, 0x05, 0x0e };
	char first[MAX_LOG + 1];

	memset(g.exclusive, 0, sizeof(g.exclusive));
	snprintf(first, sizeof(first), "%s", run_bytes(bytes, sizeof(bytes)));
	CHECK_EQ_U64(strlen(first), 3 * STEPS);
	CHECK(interleaved(first));
	for (unsigned int i = 0; i < 100; i++)
		CHECK_EQ_STR(run_bytes(bytes, sizeof(bytes)), first);
}

TEST(test_sched_other_bytes_other_interleaving)
{
	static const uint8_t a[] = { 0x00, 0x01, 0x02, 0x00, 0x01, 0x02 };
	static const uint8_t b[] = { 0x02, 0x01, 0x00, 0x02, 0x01, 0x00 };
	char first[MAX_LOG + 1];

	memset(g.exclusive, 0, sizeof(g.exclusive));
	snprintf(first, sizeof(first), "%s", run_bytes(a, sizeof(a)));
	CHECK(strcmp(run_bytes(b, sizeof(b)), first));
}

/* No schedule: each thread runs to its end in turn. */
TEST(test_sched_no_bytes_runs_threads_in_turn)
{
	char want[MAX_LOG + 1];

	memset(g.exclusive, 0, sizeof(g.exclusive));
	for (unsigned int i = 0; i < 3 * STEPS; i++)
		want[i] = '1' + i / STEPS;
	want[3 * STEPS] = '\0';
	CHECK_EQ_STR(run_bytes(NULL, 0), want);
}

TEST(test_sched_pct_is_deterministic_and_seeded)
{
	char first[MAX_LOG + 1];
	bool differs = false;

	memset(g.exclusive, 0, sizeof(g.exclusive));
	snprintf(first, sizeof(first), "%s", run_pct(7, 3));
	CHECK_EQ_U64(strlen(first), 3 * STEPS);
	CHECK_EQ_STR(run_pct(7, 3), first);
	for (uint64_t seed = 8; seed < 40 && !differs; seed++)
		differs = strcmp(run_pct(seed, 3), first);
	CHECK(differs);
}

/* An exclusive holder of the mmu_lock runs alone, whatever the bytes say. */
TEST(test_sched_write_lock_excludes)
{
	static const uint8_t bytes[] = { 0x01, 0x02, 0x00, 0x01, 0x02, 0x00,
					 0x01, 0x02, 0x00, 0x01, 0x02, 0x00 };

	memset(g.exclusive, 0, sizeof(g.exclusive));
	g.exclusive[2] = true;
	run_bytes(bytes, sizeof(bytes));
	CHECK(!g.overlap);
	CHECK_EQ_U64(g.len, 3 * STEPS);
	/* Readers alone do share it. */
	g.exclusive[2] = false;
	CHECK(interleaved(run_bytes(bytes, sizeof(bytes))));
}

TEST(test_sched_free_run_runs_every_thread)
{
	memset(g.exclusive, 1, sizeof(g.exclusive));
	g.len = 0;
	CHECK_EQ_U64(s2rt_threads_run(3, true, worker, NULL, NULL), 0);
	CHECK_EQ_U64(g.len, 3 * STEPS);
	CHECK(!g.overlap);
}

int main(void)
{
	RUN(test_sched_same_bytes_same_interleaving);
	RUN(test_sched_other_bytes_other_interleaving);
	RUN(test_sched_no_bytes_runs_threads_in_turn);
	RUN(test_sched_pct_is_deterministic_and_seeded);
	RUN(test_sched_write_lock_excludes);
	RUN(test_sched_free_run_runs_every_thread);
	return check_summary();
}
