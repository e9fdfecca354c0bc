// SPDX-License-Identifier: GPL-2.0-only
/*
 * RCU as 6.12's shared walks use it: a walk is a read side, and a table
 * page a shared walk unlinked may be freed only once every read side that
 * began before the unlink has ended (KVM frees it through call_rcu).
 * Sequence numbers stand for time; atomics because free-running threads
 * share them.
 */
#include "internal.h"

#define S2RT_THREAD_SLOTS (S2RT_MAX_THREADS + 1)

static uint64_t clock_seq;
/* When each thread's outermost read side began; 0: none open. */
static uint64_t reader_since[S2RT_THREAD_SLOTS];
static _Thread_local int depth;

static uint64_t tick(void)
{
	return __atomic_add_fetch(&clock_seq, 1, __ATOMIC_SEQ_CST);
}

void s2rt_rcu_read_lock(void)
{
	S2RT_YIELD_POINT();
	if (!depth++)
		__atomic_store_n(&reader_since[s2rt_thread_self()], tick(),
				 __ATOMIC_SEQ_CST);
}

void s2rt_rcu_read_unlock(void)
{
	if (!--depth)
		__atomic_store_n(&reader_since[s2rt_thread_self()], 0,
				 __ATOMIC_SEQ_CST);
	S2RT_YIELD_POINT();
}

bool s2rt_rcu_read_lock_held(void)
{
	return depth > 0;
}

uint64_t s2rt_rcu_defer(void)
{
	return tick();
}

bool s2rt_rcu_expired(uint64_t token)
{
	for (unsigned int t = 0; t < S2RT_THREAD_SLOTS; t++) {
		uint64_t since = __atomic_load_n(&reader_since[t],
						 __ATOMIC_SEQ_CST);

		if (since && since < token)
			return false;
	}
	return true;
}
