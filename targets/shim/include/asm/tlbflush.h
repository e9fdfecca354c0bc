/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arch/arm64/include/asm/tlbflush.h.  The constants mirror the kernel (keep
 * in sync).  The stage-1 TLBI helpers are no-op stubs: only the hyp's own
 * stage-1 tables use them, and those are not under test.
 */
#ifndef S2SHIM_ASM_TLBFLUSH_H
#define S2SHIM_ASM_TLBFLUSH_H

#include <linux/bits.h>
#include <linux/types.h>

#define TLBI_TTL_UNKNOWN 0x7fffffff
#define __TLBI_RANGE_PAGES(num, scale) ((unsigned long)((num) + 1) << (5 * (scale) + 1))
#define MAX_TLBI_RANGE_PAGES __TLBI_RANGE_PAGES(31, 3)

#define __TLBI_VADDR(addr, asid)                                            \
	(((u64)(addr) >> 12) & GENMASK_ULL(43, 0)) | ((u64)(asid) << 48)

#define __tlbi_level(op, addr, level) do { (void)(addr); (void)(level); } while (0)
#define __tlbi_sync_s1ish_hyp() do { } while (0)

#endif
