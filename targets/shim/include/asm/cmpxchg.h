/* SPDX-License-Identifier: GPL-2.0-only */
/* Customised for testing: cmpxchg on a PTE is performed and recorded. */
#ifndef S2SHIM_ASM_CMPXCHG_H
#define S2SHIM_ASM_CMPXCHG_H

#include <linux/types.h>
#include "hooks.h"

#define cmpxchg(ptr, old, new)                                              \
	({                                                                  \
		_Static_assert(sizeof(*(ptr)) == sizeof(u64),               \
			       "s2fuzz shim: cmpxchg of a non-PTE");         \
		(__typeof__(*(ptr)))s2rt_cmpxchg((u64 *)(ptr), (u64)(old),   \
						 (u64)(new));               \
	})

#endif
