// SPDX-License-Identifier: GPL-2.0-only
/*
 * RCU as 6.12's shared walks use it: a walk is a read side, and a table
 * page a shared walk unlinked may be freed only once every read side that
 * began before the unlink has ended (KVM frees it through call_rcu).
 * Sequence numbers stand for time; atomics because free-running threads
 * share them.
 */
#include "internal.h"

/*
 * A grace period orders every read side before it, and the work of the
 * thread that deferred the free, before the free.  ThreadSanitizer does
 * not see this file's atomics (the runtime is not instrumented), so it is
 * told: read sides and deferrals release, an expired grace period
 * acquires.
 */
#ifdef S2FUZZ_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define grace_release() __tsan_release(&clock_seq)
#define grace_acquire() __tsan_acquire(&clock_seq)
#else
#define grace_release() ((void)0)
#define grace_acquire() ((void)0)
#endif

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
	if (!--depth) {
		grace_release();
		__atomic_store_n(&reader_since[s2rt_thread_self()], 0,
				 __ATOMIC_SEQ_CST);
	}
	S2RT_YIELD_POINT();
}

bool s2rt_rcu_read_lock_held(void)
{
	return depth > 0;
}

uint64_t s2rt_rcu_defer(void)
{
	grace_release();
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
	grace_acquire();
	return true;
}
