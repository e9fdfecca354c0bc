// SPDX-License-Identifier: GPL-2.0-only
/*
 * Table pages: a pool with deterministic physical addresses (the same
 * sequence of allocations gives the same PAs in every kernel, so two
 * kernels' tables can be compared), exact per-page refcounts, and freed
 * pages poisoned and held in quarantine before reuse, so that a
 * use-after-free reads poison (or trips ASan) instead of a recycled page.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define S2RT_ASAN 1
#endif
#endif

#ifdef S2RT_ASAN
#define poison(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define poison(p, n) ((void)(p), (void)(n))
#define unpoison(p, n) ((void)(p), (void)(n))
#endif

/* A freed table page reads as valid table descriptors to nowhere. */
#define S2RT_POISON_BYTE 0xdb

/* The pool arrives zeroed (calloc'ed with its context). */
int s2rt_pool_init(struct s2rt_pool *pool)
{
	size_t bytes = (size_t)S2RT_POOL_PAGES << S2RT_PAGE_SHIFT;

	pool->base = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pool->base == MAP_FAILED)
		return -1;
	pool->check_gen = 1;
	/*
	 * Pages never handed out are not poisoned: nothing can point into
	 * them, and poisoning 128 MiB of shadow per run would cost more than
	 * the run.  Stores to them are caught by their state (not live).
	 */
	return 0;
}

/*
 * As s2rt_pool_init() leaves it, mapping kept.  page_take() zeroes each
 * page it hands out, so what a page held in an earlier run never shows.
 */
void s2rt_pool_reset(struct s2rt_pool *pool)
{
	unpoison(pool->base, (size_t)pool->used << S2RT_PAGE_SHIFT);
	memset(pool->pages, 0, pool->used * sizeof(pool->pages[0]));
	pool->used = 0;
	pool->qhead = 0;
	pool->qtail = 0;
	pool->nr_changed = 0;
	pool->check_gen = 1;
}

void s2rt_pool_release(struct s2rt_pool *pool)
{
	size_t bytes = (size_t)S2RT_POOL_PAGES << S2RT_PAGE_SHIFT;

	unpoison(pool->base, (size_t)pool->used << S2RT_PAGE_SHIFT);
	munmap(pool->base, bytes);
}

static void page_take(struct s2rt_pool *pool, unsigned int idx, bool exact)
{
	struct s2rt_page *page = &pool->pages[idx];
	void *va = s2rt_page_va(pool, idx);

	unpoison(va, S2RT_PAGE_SIZE);
	memset(va, 0, S2RT_PAGE_SIZE);
	*page = (struct s2rt_page){
		.state = S2RT_PAGE_LIVE,
		.exact = exact,
		.count = 1,
		.level = S2RT_NO_LEVEL,
	};
}

/* Oldest quarantined page, once enough frees separate it from its reuse. */
static long quarantine_pop(struct s2rt_pool *pool, bool force)
{
	unsigned int len = pool->qtail - pool->qhead;

	if (!len || (!force && len < S2RT_QUARANTINE))
		return -1;
	return pool->quarantine[pool->qhead++ % S2RT_POOL_PAGES];
}

void *s2rt_page_alloc(void)
{
	S2RT_SERIALIZED();
	struct s2rt_pool *pool = &s2rt_cur->pool;
	long idx = quarantine_pop(pool, false);

	if (idx < 0 && pool->used < S2RT_POOL_PAGES)
		idx = pool->used++;
	if (idx < 0)
		idx = quarantine_pop(pool, true);
	if (idx < 0) {
		s2rt_note_alloc_fail();
		return NULL;
	}
	page_take(pool, idx, false);
	s2rt_event_add(S2RT_EV_ALLOC, S2RT_NO_LEVEL, 0, s2rt_page_pa(idx), 1,
		       0);
	return s2rt_page_va(pool, idx);
}

/* Concatenated PGD pages must be contiguous: they come from the bump area. */
void *s2rt_pages_exact_alloc(size_t size)
{
	S2RT_SERIALIZED();
	struct s2rt_pool *pool = &s2rt_cur->pool;
	unsigned int nr = (size + S2RT_PAGE_SIZE - 1) >> S2RT_PAGE_SHIFT;
	unsigned int first = pool->used;

	if (!nr || nr > S2RT_POOL_PAGES - pool->used)
		return NULL;
	pool->used += nr;
	for (unsigned int i = 0; i < nr; i++)
		page_take(pool, first + i, true);
	s2rt_event_add(S2RT_EV_ALLOC, S2RT_NO_LEVEL, 0, s2rt_page_pa(first), nr,
		       0);
	return s2rt_page_va(pool, first);
}

static void page_release(struct s2rt_pool *pool, unsigned int idx)
{
	struct s2rt_page *page = &pool->pages[idx];
	void *va = s2rt_page_va(pool, idx);

	page->state = S2RT_PAGE_FREED;
	page->count = 0;
	memset(va, S2RT_POISON_BYTE, S2RT_PAGE_SIZE);
	poison(va, S2RT_PAGE_SIZE);
	pool->quarantine[pool->qtail++ % S2RT_POOL_PAGES] = idx;
}

/*
 * The page behind a pointer the kernel handed back, or NULL with a finding
 * when it is not a live table page.
 */
static struct s2rt_page *live_page(struct s2rt_pool *pool, const void *addr,
				   const char *what, enum s2rt_check on_freed,
				   long *idxp)
{
	long idx = s2rt_page_index(pool, addr);

	if (idx < 0) {
		s2rt_finding(S2RT_CHECK_POOL, "addr", S2RT_NO_LEVEL,
			     "%s on %p, which is not a table page", what, addr);
		return NULL;
	}
	*idxp = idx;
	if (pool->pages[idx].state != S2RT_PAGE_LIVE) {
		bool freed = pool->pages[idx].state == S2RT_PAGE_FREED;

		s2rt_finding(freed ? on_freed : S2RT_CHECK_POOL,
			     !freed ? "addr" :
			     on_freed == S2RT_CHECK_DOUBLE_FREE ? "put" : "access",
			     pool->pages[idx].level,
			     "%s on table page 0x%" PRIx64 ", which is %s",
			     what, s2rt_page_pa(idx),
			     pool->pages[idx].state == S2RT_PAGE_FREED ?
				     "already freed" :
				     "not allocated");
		return NULL;
	}
	return &pool->pages[idx];
}

void s2rt_pages_exact_free(void *addr, size_t size)
{
	struct s2rt_pool *pool = &s2rt_cur->pool;
	unsigned int nr = (size + S2RT_PAGE_SIZE - 1) >> S2RT_PAGE_SHIFT;
	long first = s2rt_page_index(pool, addr);
	S2RT_SERIALIZED();

	s2rt_event_add(S2RT_EV_FREE, S2RT_NO_LEVEL, 0,
		       first < 0 ? 0 : s2rt_page_pa(first), nr, 0);
	for (unsigned int i = 0; i < nr; i++) {
		struct s2rt_page *page;
		long idx;

		page = live_page(pool, (char *)addr + i * S2RT_PAGE_SIZE,
				 "free_pages_exact", S2RT_CHECK_DOUBLE_FREE,
				 &idx);
		if (!page)
			continue;
		/* The PGD is freed by its allocator, not by a put to zero. */
		if (page->count != 1)
			s2rt_finding(S2RT_CHECK_REFCOUNT, "count", page->level,
				     "PGD page 0x%" PRIx64
				     " freed with refcount %d (expected 1)",
				     s2rt_page_pa(idx), page->count);
		page_release(pool, idx);
	}
}

void s2rt_page_get(void *addr)
{
	struct s2rt_pool *pool = &s2rt_cur->pool;
	struct s2rt_page *page;
	long idx;
	S2RT_SERIALIZED();

	page = live_page(pool, addr, "get_page", S2RT_CHECK_USE_AFTER_FREE, &idx);
	if (!page)
		return;
	page->count++;
	s2rt_page_changed(pool, idx);
	if (s2rt_cur->log_refcounts)
		s2rt_event_add(S2RT_EV_GET, page->level, 0, s2rt_page_pa(idx),
			       page->count, 0);
}

void s2rt_page_put(void *addr)
{
	struct s2rt_pool *pool = &s2rt_cur->pool;
	struct s2rt_page *page;
	long idx;
	S2RT_SERIALIZED();

	page = live_page(pool, addr, "put_page", S2RT_CHECK_DOUBLE_FREE, &idx);
	if (!page)
		return;
	page->count--;
	s2rt_page_changed(pool, idx);
	if (s2rt_cur->log_refcounts)
		s2rt_event_add(S2RT_EV_PUT, page->level, 0, s2rt_page_pa(idx),
			       page->count, 0);
	if (page->count)
		return;
	if (page->exact)
		s2rt_finding(S2RT_CHECK_REFCOUNT, "count", page->level,
			     "PGD page 0x%" PRIx64 " put to refcount 0",
			     s2rt_page_pa(idx));
	s2rt_event_add(S2RT_EV_FREE, page->level, 0, s2rt_page_pa(idx), 1, 0);
	page_release(pool, idx);
}

int s2rt_page_count(void *addr)
{
	struct s2rt_pool *pool = &s2rt_cur->pool;
	struct s2rt_page *page;
	long idx;
	S2RT_SERIALIZED();

	page = live_page(pool, addr, "page_count", S2RT_CHECK_USE_AFTER_FREE,
			 &idx);
	return page ? page->count : 0;
}

/*
 * Guest memory is never touched by the code under test, only named in CMO
 * arguments: its "virtual address" is a non-canonical pointer that faults
 * if anything dereferences it.
 */
#define S2RT_GUEST_VA_TAG 0xdead000000000000ULL
#define S2RT_GUEST_VA_MASK 0x0000ffffffffffffULL

void *s2rt_phys_to_virt(uint64_t pa)
{
	long idx = s2rt_pa_index(pa);

	if (idx >= 0)
		return (char *)s2rt_page_va(&s2rt_cur->pool, idx) +
		       (pa & (S2RT_PAGE_SIZE - 1));
	return (void *)(uintptr_t)(S2RT_GUEST_VA_TAG | pa);
}

uint64_t s2rt_virt_to_phys(void *va)
{
	long idx = s2rt_page_index(&s2rt_cur->pool, va);

	if (idx >= 0)
		return s2rt_page_pa(idx) +
		       ((uintptr_t)va & (S2RT_PAGE_SIZE - 1));
	if (((uintptr_t)va & ~S2RT_GUEST_VA_MASK) == S2RT_GUEST_VA_TAG)
		return (uintptr_t)va & S2RT_GUEST_VA_MASK;
	s2rt_finding(S2RT_CHECK_POOL, "addr", S2RT_NO_LEVEL,
		     "virt_to_phys(%p): neither a table page nor guest memory",
		     va);
	return 0;
}
