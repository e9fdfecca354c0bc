// SPDX-License-Identifier: GPL-2.0-only
/*
 * One run of one kernel: its CPU features, its pool, its event log and the
 * findings the runtime can judge on its own (WARN, refcounts, leaks, use of
 * freed pages).  One context is current at a time; kernels take turns.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../../oracle/desc.h"
#include "internal.h"

struct s2rt_ctx *s2rt_cur;

/*
 * Contexts of finished runs, kept for the next ones: in a fresh context
 * every page the pool, its bookkeeping and the event log touch costs a
 * fault and the kernel's zeroing (of 2M, with transparent huge pages),
 * which was four fifths of a short run.
 */
#define S2RT_SPARE_CTXS 4
static struct s2rt_ctx *spare_ctxs[S2RT_SPARE_CTXS];
static unsigned int nr_spare_ctxs;

/* A spare context as calloc() and s2rt_pool_init() leave a new one. */
static struct s2rt_ctx *ctx_reuse(void)
{
	struct s2rt_ctx *ctx = spare_ctxs[--nr_spare_ctxs];
	struct s2rt_event *events = ctx->events;
	size_t cap = ctx->cap_events;

	memset(ctx, 0, offsetof(struct s2rt_ctx, findings));
	ctx->events = events;
	ctx->cap_events = cap;
	return ctx;
}

struct s2rt_ctx *s2rt_ctx_create(unsigned int features)
{
	struct s2rt_ctx *ctx;

	if (nr_spare_ctxs) {
		ctx = ctx_reuse();
	} else {
		ctx = calloc(1, sizeof(*ctx));
		if (!ctx)
			return NULL;
		if (s2rt_pool_init(&ctx->pool)) {
			free(ctx);
			return NULL;
		}
	}
	ctx->features = features;
	return ctx;
}

void s2rt_ctx_free(struct s2rt_ctx *ctx)
{
	if (s2rt_cur == ctx)
		s2rt_cur = NULL;
	if (nr_spare_ctxs < S2RT_SPARE_CTXS) {
		s2rt_pool_reset(&ctx->pool);
		spare_ctxs[nr_spare_ctxs++] = ctx;
		return;
	}
	s2rt_pool_release(&ctx->pool);
	free(ctx->events);
	free(ctx);
}

void s2rt_ctx_enter(struct s2rt_ctx *ctx)
{
	s2rt_cur = ctx;
}

void s2rt_log_refcounts(bool on)
{
	s2rt_cur->log_refcounts = on;
}

bool s2rt_feature(unsigned int feat)
{
	return s2rt_cur->features & feat;
}

/* --- events and findings ------------------------------------------------- */

struct s2rt_event *s2rt_event_add(enum s2rt_event_kind kind, int level,
				  uint32_t index, uint64_t a, uint64_t b,
				  uint64_t c)
{
	struct s2rt_ctx *ctx = s2rt_cur;
	struct s2rt_event *ev;

	if (ctx->nr_events == ctx->cap_events) {
		size_t cap = ctx->cap_events ? 2 * ctx->cap_events : 256;
		struct s2rt_event *events;

		events = realloc(ctx->events, cap * sizeof(*events));
		if (!events)
			abort();
		ctx->events = events;
		ctx->cap_events = cap;
	}
	ev = &ctx->events[ctx->nr_events++];
	*ev = (struct s2rt_event){
		.kind = kind, .level = level, .index = index,
		.thread = s2rt_thread_self(),
		.a = a, .b = b, .c = c,
	};
	return ev;
}

const struct s2rt_event *s2rt_events(size_t *nr)
{
	*nr = s2rt_cur->nr_events;
	return s2rt_cur->events;
}

void s2rt_events_clear(void)
{
	s2rt_cur->nr_events = 0;
}

void s2rt_finding(enum s2rt_check check, const char *field, int level,
		  const char *fmt, ...)
{
	struct s2rt_ctx *ctx = s2rt_cur;
	struct s2rt_finding *f;
	va_list ap;

	if (ctx->nr_findings == S2RT_MAX_FINDINGS)
		return;
	f = &ctx->findings[ctx->nr_findings++];
	f->check = check;
	f->level = level;
	snprintf(f->field, sizeof(f->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

const struct s2rt_finding *s2rt_findings(size_t *nr)
{
	*nr = s2rt_cur->nr_findings;
	return s2rt_cur->findings;
}

const char *s2rt_check_name(enum s2rt_check check)
{
	static const char *const names[S2RT_CHECK_COUNT] = {
		[S2RT_CHECK_WARN] = "warn",
		[S2RT_CHECK_REFCOUNT] = "refcount",
		[S2RT_CHECK_LEAK] = "leak",
		[S2RT_CHECK_DOUBLE_FREE] = "double-free",
		[S2RT_CHECK_USE_AFTER_FREE] = "use-after-free",
		[S2RT_CHECK_POOL] = "bad-page",
	};

	return names[check];
}

/* --- the hooks the shim's macros reach ----------------------------------- */

/*
 * Records where a table page sits in the IPA space, and so where its
 * children sit: a subtree built while unlinked (6.12's create_unlinked)
 * learns its place when its root is linked.
 */
void s2rt_page_place(long idx, int level, uint64_t ipa)
{
	struct s2rt_pool *pool = &s2rt_cur->pool;
	struct s2rt_page *page = &pool->pages[idx];
	const uint64_t *entries = s2rt_page_va(pool, idx);

	page->level = level;
	page->ipa = ipa;
	if (level >= S2_LAST_LEVEL || !page->nonzero)
		return;
	for (unsigned int i = 0; i < S2_ENTRIES_PER_TABLE; i++) {
		long child;

		if (!s2_desc_is_table(entries[i], level))
			continue;
		child = s2rt_pa_index(s2_desc_pa(entries[i]));
		if (child >= 0 && pool->pages[child].state == S2RT_PAGE_LIVE)
			s2rt_page_place(child, level + 1,
					ipa + i * s2_level_size(level));
	}
}

/* Keeps each page's count of non-zero entries, and the places of tables. */
static void account_store(struct s2rt_page *page, long idx, uint32_t index,
			  uint64_t old, uint64_t val)
{
	long child;

	page->nonzero += (val != 0) - (old != 0);
	s2rt_page_changed(&s2rt_cur->pool, idx);
	if (page->level == S2RT_NO_LEVEL || !s2_desc_is_table(val, page->level))
		return;
	child = s2rt_pa_index(s2_desc_pa(val));
	if (child >= 0)
		s2rt_page_place(child, page->level + 1,
				page->ipa + index * s2_level_size(page->level));
}

/*
 * Returns the page a PTE store targets, or NULL (with a finding) when the
 * store must not happen: the page was freed.
 */
static struct s2rt_page *store_target(uint64_t *ptep, long *idxp,
				      uint32_t *indexp)
{
	struct s2rt_pool *pool = &s2rt_cur->pool;
	long idx = s2rt_page_index(pool, ptep);

	*idxp = idx;
	*indexp = ((uintptr_t)ptep & (S2RT_PAGE_SIZE - 1)) / sizeof(*ptep);
	if (idx < 0)
		return NULL;
	if (pool->pages[idx].state != S2RT_PAGE_LIVE) {
		s2rt_finding(S2RT_CHECK_USE_AFTER_FREE, "access", pool->pages[idx].level,
			     "PTE store to freed table page 0x%" PRIx64
			     " [%u]", s2rt_page_pa(idx), *indexp);
		return NULL;
	}
	return &pool->pages[idx];
}

static void record_store(enum s2rt_event_kind kind, struct s2rt_page *page,
			 long idx, uint32_t index, uint64_t old, uint64_t val)
{
	struct s2rt_event *ev;

	ev = s2rt_event_add(kind, page ? page->level : S2RT_NO_LEVEL, index,
			    idx < 0 ? 0 : s2rt_page_pa(idx), old, val);
	if (page && page->level != S2RT_NO_LEVEL)
		ev->ipa = page->ipa + index * s2_level_size(page->level);
}

/* What a store that happened changes: the page's counts, the event log. */
static void after_store(enum s2rt_event_kind kind, struct s2rt_page *page,
			long idx, uint32_t index, uint64_t old, uint64_t val)
{
	if (page && kind == S2RT_EV_STORE)
		account_store(page, idx, index, old, val);
	record_store(kind, page, idx, index, old, val);
}

void s2rt_store(uint64_t *ptep, uint64_t val, bool release)
{
	struct s2rt_page *page;
	uint32_t index;
	uint64_t old;
	long idx;

	/* Between the kernel's read of the old value and its store. */
	S2RT_YIELD_POINT();
	S2RT_SERIALIZED();

	page = store_target(ptep, &idx, &index);
	if (!page && idx >= 0)
		return;
	old = __atomic_load_n(ptep, __ATOMIC_RELAXED);
	__atomic_store_n(ptep, val, release ? __ATOMIC_RELEASE : __ATOMIC_RELAXED);
	after_store(S2RT_EV_STORE, page, idx, index, old, val);
}

uint64_t s2rt_cmpxchg(uint64_t *ptep, uint64_t old, uint64_t val)
{
	struct s2rt_page *page;
	uint64_t found = old;
	uint32_t index;
	long idx;

	S2RT_YIELD_POINT();
	S2RT_SERIALIZED();

	page = store_target(ptep, &idx, &index);
	if (!page && idx >= 0)
		return ~old;
	if (!__atomic_compare_exchange_n(ptep, &found, val, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		after_store(S2RT_EV_CMPXCHG_FAIL, page, idx, index, old, found);
		return found;
	}
	after_store(S2RT_EV_STORE, page, idx, index, old, val);
	return old;
}

/* The shim stored already: a freed page is a finding, but it is done. */
void s2rt_stored(uint64_t *ptep, uint64_t old, uint64_t val)
{
	struct s2rt_page *page;
	uint32_t index;
	long idx;
	S2RT_SERIALIZED();

	page = store_target(ptep, &idx, &index);
	after_store(S2RT_EV_STORE, page, idx, index, old, val);
}

void s2rt_cmpxchg_done(uint64_t *ptep, uint64_t old, uint64_t val,
		       uint64_t found)
{
	struct s2rt_page *page;
	uint32_t index;
	long idx;
	S2RT_SERIALIZED();

	page = store_target(ptep, &idx, &index);
	if (found == old)
		after_store(S2RT_EV_STORE, page, idx, index, old, val);
	else
		after_store(S2RT_EV_CMPXCHG_FAIL, page, idx, index, old, found);
}

void s2rt_warn(const char *file, int line, const char *cond)
{
	const char *base = strrchr(file, '/');
	char where[32];
	S2RT_SERIALIZED();

	s2rt_event_add(S2RT_EV_WARN, S2RT_NO_LEVEL, 0, line, (uintptr_t)file, 0);
	/* The line identifies the WARN; the tree it sits in does not. */
	snprintf(where, sizeof(where), "%s:%d", base ? base + 1 : file, line);
	s2rt_finding(S2RT_CHECK_WARN, where, S2RT_NO_LEVEL,
		     "WARN_ON(%s) at %s:%d", cond, file, line);
}

void s2rt_tlbi_vmid(const void *mmu)
{
	S2RT_YIELD_POINT();
	S2RT_SERIALIZED();

	s2rt_event_add(S2RT_EV_TLBI_VMID, S2RT_NO_LEVEL, 0, 0, 0,
		       (uintptr_t)mmu);
}

void s2rt_tlbi_ipa(const void *mmu, uint64_t ipa, int level, bool nsh)
{
	/* Hints outside 0..3 (6.12's TLBI_TTL_UNKNOWN) mean "no hint". */
	int hint = s2_level_known(level) ? level : S2RT_NO_LEVEL;

	S2RT_YIELD_POINT();
	S2RT_SERIALIZED();

	s2rt_event_add(nsh ? S2RT_EV_TLBI_IPA_NSH : S2RT_EV_TLBI_IPA, hint, 0,
		       ipa, 0, (uintptr_t)mmu);
}

void s2rt_tlbi_range(const void *mmu, uint64_t start, unsigned long pages)
{
	S2RT_YIELD_POINT();
	S2RT_SERIALIZED();

	s2rt_event_add(S2RT_EV_TLBI_RANGE, S2RT_NO_LEVEL, 0, start, pages,
		       (uintptr_t)mmu);
}

void s2rt_caller_flush(const void *mmu)
{
	S2RT_SERIALIZED();
	s2rt_event_add(S2RT_EV_CALLER_FLUSH, S2RT_NO_LEVEL, 0, 0, 0,
		       (uintptr_t)mmu);
}

/* CMOs come through the adapter's mm_ops, which are the yield points. */
void s2rt_dcache_clean(void *va, size_t size)
{
	S2RT_SERIALIZED();

	s2rt_event_add(S2RT_EV_DCACHE, S2RT_NO_LEVEL, 0, s2rt_virt_to_phys(va),
		       size, 0);
}

void s2rt_icache_inval(void *va, size_t size)
{
	S2RT_SERIALIZED();

	s2rt_event_add(S2RT_EV_ICACHE, S2RT_NO_LEVEL, 0, s2rt_virt_to_phys(va),
		       size, 0);
}

void s2rt_note_free_unlinked(void *table, int level)
{
	long idx = s2rt_page_index(&s2rt_cur->pool, table);
	S2RT_SERIALIZED();

	s2rt_event_add(S2RT_EV_FREE_UNLINKED, level, 0,
		       idx < 0 ? 0 : s2rt_page_pa(idx), 0, 0);
}

void s2rt_note_alloc_fail(void)
{
	S2RT_SERIALIZED();
	s2rt_event_add(S2RT_EV_ALLOC_FAIL, S2RT_NO_LEVEL, 0, 0, 0, 0);
}
