/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A live table built through the real runtime, as a kernel builds one, for
 * the tests of what reads it (the simulated MMU, the view): the level-1
 * root of a 40-bit IPA space (two concatenated pages), pgd[1] -> l2, and
 * l2[i] -> l3[i], so that l3[i] translates [1G + i * 2M, + 2M).
 */
#ifndef S2FUZZ_LIVE_TABLE_H
#define S2FUZZ_LIVE_TABLE_H

#include "../../oracle/desc.h"
#include "../../targets/runtime/runtime.h"

#define LIVE_L3_IPA 0x40000000ULL	/* l3[0]'s first entry */
#define LIVE_MAX_L3 2

/* Normal write-back, inner shareable, young, execute-never, readable. */
#define LIVE_LEAF_BITS                                                         \
	(S2_DESC_VALID | S2_DESC_TABLE | (0xfULL << S2_DESC_MEMATTR_SHIFT) |   \
	 S2_DESC_SH_MASK | S2_DESC_AF | S2_DESC_XN | S2_DESC_S2AP_R)

struct live_table {
	struct s2rt_ctx *ctx;
	uint64_t *pgd, *l2, *l3[LIVE_MAX_L3];
};

static inline uint64_t live_table_desc(uint64_t *table)
{
	return s2rt_virt_to_phys(table) | S2_DESC_VALID | S2_DESC_TABLE;
}

static inline uint64_t live_page_desc(uint64_t pa, bool write)
{
	return pa | LIVE_LEAF_BITS | (write ? S2_DESC_S2AP_W : 0);
}

/* A new runtime context, entered, holding the table with nr_l3 L3 pages. */
static inline void live_table_build(struct live_table *t, unsigned int nr_l3)
{
	t->ctx = s2rt_ctx_create(0);
	s2rt_ctx_enter(t->ctx);
	t->pgd = s2rt_pages_exact_alloc(2 * S2_PAGE_SIZE);
	s2rt_set_root(t->pgd, 1, 40);
	t->l2 = s2rt_page_alloc();
	s2rt_store(&t->pgd[1], live_table_desc(t->l2), false);
	for (unsigned int i = 0; i < nr_l3 && i < LIVE_MAX_L3; i++) {
		t->l3[i] = s2rt_page_alloc();
		s2rt_store(&t->l2[i], live_table_desc(t->l3[i]), false);
	}
}

static inline void live_table_free(struct live_table *t)
{
	s2rt_ctx_free(t->ctx);
}

#endif /* S2FUZZ_LIVE_TABLE_H */
