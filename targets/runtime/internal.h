/* SPDX-License-Identifier: GPL-2.0-only */
/* The runtime's own state, shared by its files and by nothing else. */
#ifndef S2FUZZ_RUNTIME_INTERNAL_H
#define S2FUZZ_RUNTIME_INTERNAL_H

#include "runtime.h"

#define S2RT_PAGE_SHIFT 12
#define S2RT_PAGE_SIZE (1UL << S2RT_PAGE_SHIFT)
/* 128 MiB of table pages, reserved but only touched as used. */
#define S2RT_POOL_PAGES (1U << 15)
/* Table pages live at PA 2^47: inside bits 47:12, far from guest memory. */
#define S2RT_POOL_PA (1ULL << 47)
/* Frees between a page's release and its reuse. */
#define S2RT_QUARANTINE 256
#define S2RT_MAX_FINDINGS 32

enum s2rt_page_state {
	S2RT_PAGE_UNUSED,
	S2RT_PAGE_LIVE,
	S2RT_PAGE_FREED,
};

struct s2rt_page {
	uint8_t state;
	bool exact;		/* part of a zalloc_pages_exact() PGD */
	int8_t level;		/* level of its entries, once linked */
	int count;		/* what page_count() returns */
	unsigned int nonzero;	/* entries != 0, kept from the stores */
	uint32_t changed;	/* the refcount check whose list holds it */
	uint64_t ipa;		/* first IPA its entries translate */
};

struct s2rt_pool {
	char *base;
	unsigned int used;	/* high-water mark of the bump allocator */
	unsigned int qhead, qtail;
	uint32_t check_gen;	/* s2rt_check_refcounts() calls, from 1 */
	unsigned int nr_changed;
	unsigned int changed[S2RT_POOL_PAGES];	/* pages for the next check */
	unsigned int quarantine[S2RT_POOL_PAGES];
	struct s2rt_page pages[S2RT_POOL_PAGES];
};

struct s2rt_ctx {
	unsigned int features;
	void *root;
	int start_level;
	unsigned int ia_bits;
	unsigned int nr_root_pages;
	bool log_refcounts;
	struct s2rt_event *events;
	size_t nr_events, cap_events;
	size_t nr_findings;
	/* s2rt_ctx_create() clears what comes before: these are counted. */
	struct s2rt_finding findings[S2RT_MAX_FINDINGS];
	struct s2rt_pool pool;
};

extern struct s2rt_ctx *s2rt_cur;

int s2rt_pool_init(struct s2rt_pool *pool);
void s2rt_pool_reset(struct s2rt_pool *pool);
void s2rt_pool_release(struct s2rt_pool *pool);
void s2rt_page_place(long idx, int level, uint64_t ipa);

/*
 * A page's addresses, and the page an address falls in.  Inline: the
 * store hooks and the table walks ask once an entry, and as calls into
 * pool.c they were 2% of a generated run's instructions.
 */
static inline uint64_t s2rt_page_pa(unsigned int idx)
{
	return S2RT_POOL_PA + ((uint64_t)idx << S2RT_PAGE_SHIFT);
}

static inline void *s2rt_page_va(struct s2rt_pool *pool, unsigned int idx)
{
	return pool->base + ((size_t)idx << S2RT_PAGE_SHIFT);
}

/* Index of the pool page at physical address pa, or -1. */
static inline long s2rt_pa_index(uint64_t pa)
{
	if (pa < S2RT_POOL_PA ||
	    pa >= S2RT_POOL_PA + ((uint64_t)S2RT_POOL_PAGES << S2RT_PAGE_SHIFT))
		return -1;
	return (pa - S2RT_POOL_PA) >> S2RT_PAGE_SHIFT;
}

/* Index of the pool page holding addr, or -1 if addr is not in the pool. */
static inline long s2rt_page_index(struct s2rt_pool *pool, const void *addr)
{
	const char *p = addr;

	if (p < pool->base ||
	    p >= pool->base + ((size_t)S2RT_POOL_PAGES << S2RT_PAGE_SHIFT))
		return -1;
	return (p - pool->base) >> S2RT_PAGE_SHIFT;
}

/* The page's count or entries changed: the next refcount check looks. */
static inline void s2rt_page_changed(struct s2rt_pool *pool, long idx)
{
	struct s2rt_page *page = &pool->pages[idx];

	if (page->changed == pool->check_gen)
		return;
	page->changed = pool->check_gen;
	pool->changed[pool->nr_changed++] = idx;
}

struct s2rt_event *s2rt_event_add(enum s2rt_event_kind kind, int level,
				  uint32_t index, uint64_t a, uint64_t b,
				  uint64_t c);

#endif /* S2FUZZ_RUNTIME_INTERNAL_H */
