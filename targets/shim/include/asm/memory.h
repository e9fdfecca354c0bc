/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mirrors the memory-type indexes of arch/arm64/include/asm/memory.h (keep
 * in sync: the cache-maintenance rules key on MemAttr).
 */
#ifndef S2SHIM_ASM_MEMORY_H
#define S2SHIM_ASM_MEMORY_H

#include <linux/types.h>

/* Stage-1 MAIR indexes (hyp mappings only). */
#define MT_NORMAL 0
#define MT_NORMAL_TAGGED 1
#define MT_NORMAL_NC 2
#define MT_DEVICE_nGnRnE 3
#define MT_DEVICE_nGnRE 4

/* Stage-2 MemAttr[3:0], without and with FEAT_S2FWB. */
#define MT_S2_NORMAL 0xf
#define MT_S2_NORMAL_NC 0x5
#define MT_S2_DEVICE_nGnRE 0x1
#define MT_S2_FWB_NORMAL 6
#define MT_S2_FWB_NORMAL_NC 5
#define MT_S2_FWB_DEVICE_nGnRE 1

#define PTE_S2_MEMATTR(t) ((u64)(t) << 2)

#define PAGE_S2_MEMATTR(attr, has_fwb)                                      \
	({                                                                  \
		u64 __val;                                                  \
		if (has_fwb)                                                \
			__val = PTE_S2_MEMATTR(MT_S2_FWB_##attr);           \
		else                                                        \
			__val = PTE_S2_MEMATTR(MT_S2_##attr);               \
		__val;                                                      \
	})

#endif
