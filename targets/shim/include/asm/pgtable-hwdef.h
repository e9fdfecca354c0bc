/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mirrors arch/arm64/include/asm/{page-def,pgtable-hwdef}.h for
 * CONFIG_ARM64_4K_PAGES (keep in sync: the geometry of every table).
 */
#ifndef S2SHIM_ASM_PGTABLE_HWDEF_H
#define S2SHIM_ASM_PGTABLE_HWDEF_H

#include <linux/const.h>

#define CONFIG_ARM64_4K_PAGES 1
#define PAGE_SHIFT 12
#define PAGE_SIZE (_AC(1, UL) << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)
#define PTRS_PER_PTE (1 << (PAGE_SHIFT - 3))

#define ARM64_HW_PGTABLE_LEVELS(va_bits) (((va_bits) - 4) / (PAGE_SHIFT - 3))
#define ARM64_HW_PGTABLE_LEVEL_SHIFT(n) ((PAGE_SHIFT - 3) * (4 - (n)) + 3)

#define __phys_to_pfn(paddr) ((unsigned long)((paddr) >> PAGE_SHIFT))

#endif
