/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The architecture's stage-2 descriptor format (Arm ARM D8.3, VMSAv8-64,
 * 4K granule, no LPA2), as the oracle and the runtime read raw entries.
 * Written from the architecture, not from a kernel header.
 */
#ifndef S2FUZZ_DESC_H
#define S2FUZZ_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../targets/target.h"

#define S2_DESC_VALID (1ULL << 0)
#define S2_DESC_TABLE (1ULL << 1)	/* table at levels 0-2, page at 3 */
#define S2_DESC_MEMATTR_SHIFT 2
#define S2_DESC_MEMATTR_MASK (0xfULL << S2_DESC_MEMATTR_SHIFT)
#define S2_DESC_S2AP_R (1ULL << 6)
#define S2_DESC_S2AP_W (1ULL << 7)
#define S2_DESC_SH_MASK (3ULL << 8)
#define S2_DESC_AF (1ULL << 10)
#define S2_DESC_XN (1ULL << 54)
#define S2_DESC_SW_MASK (0xfULL << 55)
#define S2_DESC_ADDR_MASK 0x0000fffffffff000ULL
/* Invalid entries KVM gives meaning to (ignored by hardware). */
#define S2_DESC_OWNER_MASK (0xffULL << 2)
#define S2_DESC_LOCKED (1ULL << 10)

/* MemAttr[3:0] of device nGnRE, with or without FEAT_S2FWB. */
#define S2_MEMATTR_DEVICE 0x1

#define S2_LAST_LEVEL 3
#define S2_ENTRIES_PER_TABLE 512

static inline uint64_t s2_level_shift(int level)
{
	return 12 + 9 * (uint64_t)(S2_LAST_LEVEL - level);
}

static inline uint64_t s2_level_size(int level)
{
	return 1ULL << s2_level_shift(level);
}

/* A level of the table (0..3), not an unknown one (an unlinked table). */
static inline bool s2_level_known(int level)
{
	return level >= 0 && level <= S2_LAST_LEVEL;
}

static inline bool s2_desc_valid(uint64_t pte)
{
	return pte & S2_DESC_VALID;
}

static inline bool s2_desc_is_table(uint64_t pte, int level)
{
	return level < S2_LAST_LEVEL && (pte & (S2_DESC_VALID | S2_DESC_TABLE)) ==
					      (S2_DESC_VALID | S2_DESC_TABLE);
}

static inline bool s2_desc_is_leaf(uint64_t pte, int level)
{
	return s2_desc_valid(pte) && !s2_desc_is_table(pte, level);
}

static inline uint64_t s2_desc_pa(uint64_t pte)
{
	return pte & S2_DESC_ADDR_MASK;
}

static inline unsigned int s2_desc_memattr(uint64_t pte)
{
	return (pte & S2_DESC_MEMATTR_MASK) >> S2_DESC_MEMATTR_SHIFT;
}

/* The owner ID of an invalid entry (kvm_init_invalid_leaf_owner()). */
static inline unsigned int s2_desc_owner(uint64_t pte)
{
	return (pte & S2_DESC_OWNER_MASK) >> 2;
}

/* A leaf's S2_PROT_* bits: R, W, X and DEVICE. */
unsigned int s2_desc_prot(uint64_t pte);
/* Prot letters of a leaf, in the op language's order: r w x d. */
void s2_desc_prot_letters(uint64_t pte, char buf[8]);
/* One readable phrase for any entry, e.g. "table 0x800000002000". */
void s2_desc_describe(uint64_t pte, int level, char *buf, size_t len);

#endif /* S2FUZZ_DESC_H */
