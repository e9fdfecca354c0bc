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

/* A read another vCPU's store may race with: a yield point. */
#define READ_ONCE(x)                                                        \
	({                                                                  \
		S2RT_YIELD_POINT();                                         \
		*(const volatile __typeof__(x) *)&(x);                      \
	})

#define WRITE_ONCE(x, val)                                                  \
	do {                                                                \
		_Static_assert(sizeof(x) == sizeof(u64),                    \
			       "s2fuzz shim: WRITE_ONCE of a non-PTE");      \
		s2rt_store((u64 *)&(x), (u64)(val), false);                 \
	} while (0)

#endif
