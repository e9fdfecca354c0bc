// SPDX-License-Identifier: GPL-2.0-only
/*
 * The live table as hardware sees it: the root, a walk over every entry
 * (read straight from memory, not through the kernel's walker, so a check
 * never runs code under test), and the invariants the runtime owns.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "../../oracle/desc.h"
#include "internal.h"

/* Up to 16 root pages are concatenated (Arm ARM D8.2.x, "concatenated
 * translation tables"): as many as the IPA bits above one page's reach. */
void s2rt_set_root(void *pgd, int start_level, unsigned int ia_bits)
{
	struct s2rt_ctx *ctx = s2rt_cur;
	long first = s2rt_page_index(&ctx->pool, pgd);
	uint64_t span = S2_ENTRIES_PER_TABLE * s2_level_size(start_level);
	unsigned int reach = s2_level_shift(start_level) + 9;
	unsigned int nr_pages = ia_bits > reach ? 1U << (ia_bits - reach) : 1;

	ctx->root = pgd;
	ctx->start_level = start_level;
	ctx->ia_bits = ia_bits;
	ctx->nr_root_pages = nr_pages;
	for (unsigned int i = 0; first >= 0 && i < nr_pages; i++)
		s2rt_page_place(first + i, start_level, i * span);
}

bool s2rt_pa_is_table(uint64_t pa)
{
	return s2rt_pa_index(pa) >= 0;
}

static int table_cmp(const void *x, const void *y)
{
	const struct s2rt_table *a = x, *b = y;

	if (a->level != b->level)
		return a->level - b->level;
	return (a->ipa > b->ipa) - (a->ipa < b->ipa);
}

size_t s2rt_tables(struct s2rt_table *out, size_t max)
{
	struct s2rt_pool *pool = &s2rt_cur->pool;
	size_t nr = 0;

	for (unsigned int idx = 0; idx < pool->used; idx++) {
		const struct s2rt_page *page = &pool->pages[idx];

		if (page->state != S2RT_PAGE_LIVE ||
		    page->level == S2RT_NO_LEVEL)
			continue;
		if (nr < max)
			out[nr] = (struct s2rt_table){ page->level, page->ipa,
						       page->count };
		nr++;
	}
	if (nr && nr <= max)
		qsort(out, nr, sizeof(*out), table_cmp);
	return nr;
}

struct walk {
	uint64_t start, end;	/* IPAs of interest */
	bool runs;		/* s2rt_walk_runs() */
	s2_entry_fn fn;
	void *arg;
};

/* How many entries from i to last carry entries[i] on (s2rt_walk_runs()). */
static unsigned int run_length(const uint64_t *entries, unsigned int i,
			       unsigned int last, uint64_t size)
{
	uint64_t step = s2_desc_valid(entries[i]) ? size : 0;
	unsigned int j = i + 1;

	while (j <= last && entries[j] == entries[j - 1] + step)
		j++;
	return j - i;
}

static void walk_page(long idx, const struct walk *w)
{
	struct s2rt_pool *pool = &s2rt_cur->pool;
	struct s2rt_page *page = &pool->pages[idx];
	const uint64_t *entries = s2rt_page_va(pool, idx);
	/* Shifts, not divisions: a walk of one page takes three levels. */
	unsigned int shift = s2_level_shift(page->level);
	uint64_t size = 1ULL << shift;
	uint64_t table_pa = s2rt_page_pa(idx);
	unsigned int first = 0, last = S2_ENTRIES_PER_TABLE - 1, seen = 0;

	if (w->start > page->ipa)
		first = (w->start - page->ipa) >> shift;
	if (w->end - 1 < page->ipa + S2_ENTRIES_PER_TABLE * size - 1)
		last = (w->end - 1 - page->ipa) >> shift;
	/* Past the page's last non-zero entry, the rest is empty. */
	for (unsigned int i = first; i <= last && seen < page->nonzero; i++) {
		struct s2_entry e;
		long child;

		/* Most of a range's entries are empty: skip them first. */
		if (!entries[i])
			continue;
		seen++;
		e = (struct s2_entry){
			.level = page->level,
			.ipa = page->ipa + i * size,
			.pte = entries[i],
			.table_pa = table_pa,
			.index = i,
			.nr = 1,
		};
		if (!s2_desc_is_table(e.pte, e.level)) {
			if (w->runs)
				e.nr = run_length(entries, i, last, size);
			seen += e.nr - 1;
			i += e.nr - 1;
			w->fn(&e, w->arg);
			continue;
		}
		w->fn(&e, w->arg);
		child = s2rt_pa_index(s2_desc_pa(e.pte));
		if (child < 0 || pool->pages[child].state != S2RT_PAGE_LIVE) {
			s2rt_finding(S2RT_CHECK_USE_AFTER_FREE, "access", e.level,
				     "L%d entry for IPA 0x%" PRIx64
				     " links table 0x%" PRIx64
				     ", which is not a live table page",
				     e.level, e.ipa, s2_desc_pa(e.pte));
			continue;
		}
		walk_page(child, w);
	}
}

static void walk(const struct walk *w)
{
	struct s2rt_ctx *ctx = s2rt_cur;
	long first = s2rt_page_index(&ctx->pool, ctx->root);
	uint64_t span = S2_ENTRIES_PER_TABLE * s2_level_size(ctx->start_level);

	for (unsigned int i = 0; first >= 0 && i < ctx->nr_root_pages; i++)
		if (w->start < (i + 1) * span && w->end > i * span)
			walk_page(first + i, w);
}

void s2rt_walk_range(uint64_t start, uint64_t end, s2_entry_fn fn, void *arg)
{
	walk(&(struct walk){ .start = start, .end = end, .fn = fn, .arg = arg });
}

void s2rt_walk_runs(uint64_t start, uint64_t end, s2_entry_fn fn, void *arg)
{
	walk(&(struct walk){ .start = start, .end = end, .runs = true,
			     .fn = fn, .arg = arg });
}

void s2rt_walk(s2_entry_fn fn, void *arg)
{
	s2rt_walk_range(0, 1ULL << s2rt_cur->ia_bits, fn, arg);
}

/*
 * As the MMU walks: one entry a level, each read once (a vCPU may be
 * storing to it).  A page the pool has freed may be reused by then, so
 * reading one is the finding, whatever it holds.
 */
void s2rt_translate(uint64_t ipa, struct s2rt_translation *t)
{
	struct s2rt_ctx *ctx = s2rt_cur;
	struct s2rt_pool *pool = &ctx->pool;
	uint64_t span = S2_ENTRIES_PER_TABLE * s2_level_size(ctx->start_level);
	long idx = s2rt_page_index(pool, ctx->root);
	int level = ctx->start_level;

	*t = (struct s2rt_translation){ .level = level };
	if (idx < 0 || ipa >> ctx->ia_bits)
		return;
	idx += ipa / span;
	for (;;) {
		const uint64_t *entries = s2rt_page_va(pool, idx);
		unsigned int i = (ipa >> s2_level_shift(level)) %
				 S2_ENTRIES_PER_TABLE;

		t->level = level;
		t->table_pa = s2rt_page_pa(idx);
		if (pool->pages[idx].state != S2RT_PAGE_LIVE) {
			t->freed = true;
			return;
		}
		t->pte = __atomic_load_n(&entries[i], __ATOMIC_RELAXED);
		if (!s2_desc_is_table(t->pte, level)) {
			t->valid = s2_desc_valid(t->pte);
			return;
		}
		idx = s2rt_pa_index(s2_desc_pa(t->pte));
		if (idx < 0) {
			t->freed = true;
			return;
		}
		level++;
	}
}

/*
 * pgtable.c frees a table when page_count() says only the table itself
 * holds it, so the count must be exactly 1 + the non-zero entries
 * (stage2_pte_is_counted: valid leaves, tables, owner annotations).
 * Only a store, a get or a put changes either side: the pages they marked
 * changed are checked, not every live page (which grew with the table).
 */
void s2rt_check_refcounts(void)
{
	struct s2rt_pool *pool = &s2rt_cur->pool;

	for (unsigned int i = 0; i < pool->nr_changed; i++) {
		unsigned int idx = pool->changed[i];
		struct s2rt_page *page = &pool->pages[idx];

		if (page->state != S2RT_PAGE_LIVE ||
		    page->count == 1 + (int)page->nonzero)
			continue;
		s2rt_finding(S2RT_CHECK_REFCOUNT, "count", page->level,
			     "table page 0x%" PRIx64 " (L%d, IPA 0x%" PRIx64
			     ") has refcount %d but %u non-zero entries",
			     s2rt_page_pa(idx), page->level, page->ipa,
			     page->count, page->nonzero);
	}
	pool->nr_changed = 0;
	/* 0 would match pages never marked: generations start at 1. */
	if (!++pool->check_gen)
		pool->check_gen = 1;
}

void s2rt_check_leaks(void)
{
	struct s2rt_pool *pool = &s2rt_cur->pool;

	for (unsigned int idx = 0; idx < pool->used; idx++) {
		struct s2rt_page *page = &pool->pages[idx];

		if (page->state != S2RT_PAGE_LIVE)
			continue;
		s2rt_finding(S2RT_CHECK_LEAK, "page", page->level,
			     "table page 0x%" PRIx64 " (L%d, IPA 0x%" PRIx64
			     ", refcount %d) never freed",
			     s2rt_page_pa(idx), page->level, page->ipa,
			     page->count);
	}
}
