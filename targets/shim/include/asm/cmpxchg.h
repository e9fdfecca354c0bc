/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Customised for testing: cmpxchg on a PTE is performed and recorded (by
 * the runtime; in ThreadSanitizer builds here, where it is seen).
 */
#ifndef S2SHIM_ASM_CMPXCHG_H
#define S2SHIM_ASM_CMPXCHG_H

#include <linux/types.h>
#include "hooks.h"

#ifdef S2FUZZ_TSAN
#define s2shim_cmpxchg(p, o, n)                                             \
	({                                                                  \
		u64 *p_ = (p), found_ = (o), n_ = (n);                      \
		__atomic_compare_exchange_n(p_, &found_, n_, false,         \
					    __ATOMIC_SEQ_CST,               \
					    __ATOMIC_SEQ_CST);              \
		s2rt_cmpxchg_done(p_, (o), n_, found_);                     \
		found_;                                                     \
	})
#else
#define s2shim_cmpxchg(p, o, n) s2rt_cmpxchg(p, o, n)
#endif

#define cmpxchg(ptr, old, new)                                              \
	({                                                                  \
		_Static_assert(sizeof(*(ptr)) == sizeof(u64),               \
			       "s2fuzz shim: cmpxchg of a non-PTE");         \
		(__typeof__(*(ptr)))s2shim_cmpxchg((u64 *)(ptr), (u64)(old), \
						   (u64)(new));             \
	})

#endif
