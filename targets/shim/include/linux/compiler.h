/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Customised for testing: <linux/compiler.h>'s READ_ONCE/WRITE_ONCE.  Every
 * 64-bit WRITE_ONCE in the files under test is a PTE store, so it goes to
 * the runtime, which performs it and records it in the event log.  Both
 * are points where the scheduler may switch threads.
 */
#ifndef S2SHIM_LINUX_COMPILER_H
#define S2SHIM_LINUX_COMPILER_H

#include <linux/types.h>
#include "hooks.h"

/*
 * A read another vCPU's store may race with: a yield point.  Under
 * ThreadSanitizer an acquire, which it understands: the kernel relies on
 * the address dependency from the PTE to the table it points to.
 */
#ifdef S2FUZZ_TSAN
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#else
#define READ_ONCE(x)                                                        \
	({                                                                  \
		S2RT_YIELD_POINT();                                         \
		*(const volatile __typeof__(x) *)&(x);                      \
	})
#endif

#ifdef S2FUZZ_TSAN
#define S2SHIM_PTE_STORE(p, v, order)                                       \
	do {                                                                \
		u64 *p_ = (u64 *)(p), v_ = (u64)(v);                        \
		s2rt_stored(p_, __atomic_exchange_n(p_, v_, order), v_);    \
	} while (0)
#else
#define S2SHIM_PTE_STORE(p, v, order)                                       \
	s2rt_store((u64 *)(p), (u64)(v), (order) == __ATOMIC_RELEASE)
#endif

#define WRITE_ONCE(x, val)                                                  \
	do {                                                                \
		_Static_assert(sizeof(x) == sizeof(u64),                    \
			       "s2fuzz shim: WRITE_ONCE of a non-PTE");      \
		S2SHIM_PTE_STORE(&(x), val, __ATOMIC_RELAXED);              \
	} while (0)

#endif
