/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Customised for testing: arch/arm64/include/asm/barrier.h.  A release
 * store is a PTE store (recorded).  Only one thread runs at a time, so
 * barriers order nothing; a DSB is a yield point (the scheduler may let
 * another vCPU in), an ISB nothing at all.
 */
#ifndef S2SHIM_ASM_BARRIER_H
#define S2SHIM_ASM_BARRIER_H

#include <linux/compiler.h>
#include <linux/types.h>
#include "hooks.h"

#define dsb(opt) S2RT_YIELD_POINT()
#define isb() do { } while (0)

#define smp_store_release(p, v)                                             \
	do {                                                                \
		_Static_assert(sizeof(*(p)) == sizeof(u64),                 \
			       "s2fuzz shim: release store of a non-PTE");   \
		S2SHIM_PTE_STORE(p, v, __ATOMIC_RELEASE);                   \
	} while (0)

#endif
