// SPDX-License-Identifier: GPL-2.0-only
/*
 * Break-before-make and TLBI coverage (ORACLE-RULES §1, §2), judged from an
 * op's event log: one small state machine per table entry, each transition
 * named after the rule it enforces, and for each table page the entry that
 * links it, so that a page is freed only once no walk can reach it.
 *
 * An entry is V or I until a store breaks it; from then until the end of
 * the op it has a slot saying whether it is IU (invalid, but a TLB or walk
 * cache may still hold its old valid value) and whether it holds 6.12's
 * KVM_INVALID_PTE_LOCKED.  Only entries of tables placed in the IPA space
 * (a known level) have a state: hardware cannot reach the others.
 *
 * The links and each page's count of valid entries are kept from the stores
 * across ops, so every judgement is about the moment of its event, not the
 * table the op left behind (a page freed mid-op is gone by then).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "oracle.h"

/* An entry broken or locked during this op. */
struct bbm_slot {
	uint64_t old;		/* IU: the valid value a TLB may hold */
	uint64_t ipa;		/* first IPA it translates */
	int8_t level;
	bool unclean;		/* state IU */
	bool walk_clean;	/* IU table entry: no walk cache holds it now */
	bool locked;		/* holds KVM_INVALID_PTE_LOCKED */
	uint8_t thread;		/* IU: the vCPU thread that broke it */
	bool free_reported;	/* a "free" finding named it already */
};

/* The entry that last linked a table page. */
struct bbm_link {
	uint64_t parent;	/* PA of the page holding it; 0: never linked */
	uint32_t index;
	int8_t level;		/* its level and IPA, as stored */
	uint64_t ipa;
	bool live;		/* it still holds the link */
};

struct bbm_page {
	uint64_t pa;
	struct bbm_link link;
	bool placed;		/* stored to at a known level */
	bool freed;
	unsigned int nr_valid;	/* entries holding a valid descriptor */
	/*
	 * This op's broken or locked entries, live while dirty.  The array
	 * stays for the page's life and only its touched slots are cleared
	 * after an op: allocating it zeroed per op was a fifth of a short run.
	 */
	struct bbm_slot *slots;
	bool dirty;
	uint64_t touched[S2_ENTRIES_PER_TABLE / 64];
	unsigned int nr_unclean, nr_locked;
	/* Which slots are IU: a TLBI per entry must not scan all 512. */
	uint64_t unclean_map[S2_ENTRIES_PER_TABLE / 64];
	uint64_t lo, hi;	/* IPA span of the entries broken this op */
};

struct s2o_bbm {
	struct bbm_page **pages;	/* by PA, open addressing */
	size_t nr_pages, cap;
	struct bbm_page *last;		/* page_get()'s last: a walk stores
					 * to one table page after another */
	struct bbm_page **dirty;	/* the pages with slots */
	size_t nr_dirty, cap_dirty;
	size_t nr_unclean;		/* IU entries, over all pages */
};

typedef bool (*slot_fn)(struct s2o_bbm *bbm, struct bbm_page *page,
			struct bbm_slot *s, const void *arg);

static void *xcalloc(size_t nr, size_t size)
{
	void *p = calloc(nr, size);

	if (!p)
		abort();
	return p;
}

/* A finding's level: -1 for an entry of a table not placed yet. */
static int report_level(int level)
{
	return s2_level_known(level) ? level : -1;
}

/* --- table pages ---------------------------------------------------------- */

static struct bbm_page **page_bucket(struct bbm_page **pages, size_t cap,
				     uint64_t pa)
{
	size_t i = ((pa >> S2_PAGE_SHIFT) * 0x9e3779b97f4a7c15ULL) & (cap - 1);

	while (pages[i] && pages[i]->pa != pa)
		i = (i + 1) & (cap - 1);
	return &pages[i];
}

static struct bbm_page *page_find(const struct s2o_bbm *bbm, uint64_t pa)
{
	return bbm->cap ? *page_bucket(bbm->pages, bbm->cap, pa) : NULL;
}

static void pages_grow(struct s2o_bbm *bbm)
{
	size_t cap = bbm->cap ? 2 * bbm->cap : 64;
	struct bbm_page **pages = xcalloc(cap, sizeof(*pages));

	for (size_t i = 0; i < bbm->cap; i++)
		if (bbm->pages[i])
			*page_bucket(pages, cap, bbm->pages[i]->pa) =
				bbm->pages[i];
	free(bbm->pages);
	bbm->pages = pages;
	bbm->cap = cap;
}

/*
 * Records of the pages of finished sequences, each with its slot array, if
 * it has one, all zero (forget_slots() cleared what an op touched): a short
 * sequence spent a tenth of its time allocating 16 KB of zeroes per table
 * page, and allocating the records showed under ASan.
 */
static _Thread_local struct {
	struct bbm_page **records;
	size_t nr, cap;
} spare_pages;

static struct bbm_page *record_alloc(uint64_t pa)
{
	struct bbm_page *page;
	struct bbm_slot *slots;

	if (!spare_pages.nr) {
		page = xcalloc(1, sizeof(*page));
	} else {
		page = spare_pages.records[--spare_pages.nr];
		slots = page->slots;
		*page = (struct bbm_page){ .slots = slots };
	}
	page->pa = pa;
	return page;
}

static void record_release(struct bbm_page *page)
{
	if (spare_pages.nr == spare_pages.cap) {
		size_t cap = spare_pages.cap ? 2 * spare_pages.cap : 64;
		struct bbm_page **records = realloc(spare_pages.records,
						    cap * sizeof(*records));

		if (!records) {
			free(page->slots);
			free(page);
			return;
		}
		spare_pages.records = records;
		spare_pages.cap = cap;
	}
	spare_pages.records[spare_pages.nr++] = page;
}

/*
 * page_get() past its last answer: a hash lookup, and a record if new.
 * Out of line: inlined, it made page_get() too big to inline in turn, and
 * every store paid a call and six register saves for a pointer compare.
 */
static __attribute__((noinline)) struct bbm_page *
page_make(struct s2o_bbm *bbm, uint64_t pa)
{
	struct bbm_page **bucket;

	if (2 * (bbm->nr_pages + 1) > bbm->cap)
		pages_grow(bbm);
	bucket = page_bucket(bbm->pages, bbm->cap, pa);
	if (!*bucket) {
		*bucket = record_alloc(pa);
		bbm->nr_pages++;
	}
	bbm->last = *bucket;
	return *bucket;
}

/*
 * The record of the page at pa, made on first sight: the oracle sees every
 * op after init, so a page it has not seen yet is still zeroed.
 */
static inline struct bbm_page *page_get(struct s2o_bbm *bbm, uint64_t pa)
{
	if (bbm->last && bbm->last->pa == pa)
		return bbm->last;
	return page_make(bbm, pa);
}

/* --- tracked entries ------------------------------------------------------ */

static uint64_t slot_end(const struct bbm_slot *s)
{
	return s->ipa + s2_level_size(s->level);
}

static bool slot_meets(const struct bbm_slot *s, uint64_t start, uint64_t end)
{
	return s->ipa < end && start < slot_end(s);
}

static bool slot_was_table(const struct bbm_slot *s)
{
	return s2_desc_is_table(s->old, s->level);
}

static struct bbm_slot *slot_find(const struct bbm_page *page, uint32_t index)
{
	return page->dirty ? &page->slots[index] : NULL;
}

static struct bbm_slot *slot_get(struct s2o_bbm *bbm, struct bbm_page *page,
				 uint32_t index)
{
	page->touched[index / 64] |= 1ULL << (index % 64);
	if (page->dirty)
		return &page->slots[index];
	if (!page->slots)
		page->slots = xcalloc(S2_ENTRIES_PER_TABLE,
				      sizeof(struct bbm_slot));
	page->dirty = true;
	page->lo = UINT64_MAX;
	page->hi = 0;
	if (bbm->nr_dirty == bbm->cap_dirty) {
		bbm->cap_dirty = bbm->cap_dirty ? 2 * bbm->cap_dirty : 16;
		bbm->dirty = realloc(bbm->dirty,
				     bbm->cap_dirty * sizeof(*bbm->dirty));
		if (!bbm->dirty)
			abort();
	}
	bbm->dirty[bbm->nr_dirty++] = page;
	return &page->slots[index];
}

static void slot_clean(struct s2o_bbm *bbm, struct bbm_page *page,
		       struct bbm_slot *s)
{
	unsigned int index = s - page->slots;

	s->unclean = false;
	page->unclean_map[index / 64] &= ~(1ULL << (index % 64));
	page->nr_unclean--;
	bbm->nr_unclean--;
}

/*
 * Calls fn on every IU entry whose range meets [start, end) until fn returns
 * true, and returns that entry.
 */
static struct bbm_slot *find_unclean(struct s2o_bbm *bbm, uint64_t start,
				     uint64_t end, slot_fn fn, const void *arg)
{
	for (size_t i = 0; bbm->nr_unclean && i < bbm->nr_dirty; i++) {
		struct bbm_page *page = bbm->dirty[i];

		if (!page->nr_unclean || page->hi <= start || page->lo >= end)
			continue;
		for (unsigned int w = 0; w < S2_ENTRIES_PER_TABLE / 64; w++) {
			uint64_t bits = page->unclean_map[w];

			while (bits) {
				struct bbm_slot *s =
					&page->slots[w * 64 + __builtin_ctzll(bits)];

				bits &= bits - 1;
				if (s->unclean && slot_meets(s, start, end) &&
				    fn(bbm, page, s, arg))
					return s;
			}
		}
	}
	return NULL;
}

static bool any_entry(struct s2o_bbm *bbm, struct bbm_page *page,
		      struct bbm_slot *s, const void *arg)
{
	(void)bbm;
	(void)page;
	(void)s;
	(void)arg;
	return true;
}

/* An entry below the table entry arg: what its subtree could still cache. */
static bool below(struct s2o_bbm *bbm, struct bbm_page *page,
		  struct bbm_slot *s, const void *arg)
{
	const struct bbm_slot *table = arg;

	(void)bbm;
	(void)page;
	return s->level > table->level;
}

static const char *describe(uint64_t pte, int level, char buf[96])
{
	s2_desc_describe(pte, level, buf, 96);
	return buf;
}

/* --- the per-entry state machine (ORACLE-RULES §1) ----------------------- */

/*
 * Arm ARM D8.16.1, break-before-make: a live entry may change in place only
 * in its permissions (S2AP, XN), access flag and software bits; a change of
 * output address, of size (table <-> block), of memory type or of
 * shareability must go through an invalid entry and a TLBI.
 */
static const char *bbm_needed(uint64_t old, uint64_t new, int level)
{
	if (s2_desc_is_table(old, level) != s2_desc_is_table(new, level))
		return "size";
	if (s2_desc_pa(old) != s2_desc_pa(new))
		return "oa";
	if ((old ^ new) & (S2_DESC_MEMATTR_MASK | S2_DESC_SH_MASK))
		return "attr";
	return NULL;
}

/* V -> V: legal only where no break-before-make is needed. */
static void change_in_place(const struct s2rt_event *ev, struct s2o_report *r)
{
	const char *field = bbm_needed(ev->b, ev->c, ev->level);
	char before[96], after[96];

	if (!field)
		return;
	s2o_report(r, "bbm", ev->level, field,
		   "L%d entry for IPA 0x%" PRIx64
		   " (%s -> %s): replaced without break-before-make",
		   ev->level, ev->ipa, describe(ev->b, ev->level, before),
		   describe(ev->c, ev->level, after));
}

/* V -> invalid: IU until a TLBI covering the old entry completes. */
static void break_entry(struct s2o_bbm *bbm, struct bbm_page *page,
			const struct s2rt_event *ev)
{
	struct bbm_slot *s = slot_get(bbm, page, ev->index);

	if (!s->unclean) {
		page->unclean_map[ev->index / 64] |= 1ULL << (ev->index % 64);
		page->nr_unclean++;
		bbm->nr_unclean++;
	}
	s->old = ev->b;
	s->ipa = ev->ipa;
	s->level = ev->level;
	s->thread = ev->thread;
	s->unclean = true;
	s->walk_clean = false;
	s->free_reported = false;
	if (s->ipa < page->lo)
		page->lo = s->ipa;
	if (slot_end(s) > page->hi)
		page->hi = slot_end(s);
}

/* IU -> valid: the make came before a TLBI finished the break (CM). */
static void make_before_tlbi(struct s2o_bbm *bbm, struct bbm_page *page,
			     struct bbm_slot *s, const struct s2rt_event *ev,
			     struct s2o_report *r)
{
	char before[96], after[96];

	s2o_report(r, "bbm", ev->level, "stale",
		   "L%d entry for IPA 0x%" PRIx64
		   " (%s -> %s): invalid-unclean -> valid: no TLBI covered the old entry",
		   ev->level, ev->ipa, describe(s->old, s->level, before),
		   describe(ev->c, ev->level, after));
	slot_clean(bbm, page, s);
}

/*
 * I -> valid: legal, unless the new entry translates an IPA for which a TLB
 * may still hold the old translation of another, IU entry.
 */
static void make_entry(struct s2o_bbm *bbm, const struct s2rt_event *ev,
		       struct s2o_report *r)
{
	uint64_t end = ev->ipa + s2_level_size(ev->level);
	const struct bbm_slot *s;
	char before[96], after[96];

	/* This entry is not IU itself: any IU entry met is another. */
	s = find_unclean(bbm, ev->ipa, end, any_entry, NULL);
	if (!s)
		return;
	/*
	 * Another vCPU broke the table entry above while this one's walk was
	 * already in the subtree (6.12 shared walks): its store lands in the
	 * detached table, and the TLBI the breaker owes before the entry is
	 * valid again covers whatever a walk cached of it.
	 */
	if (ev->thread && s->thread != ev->thread &&
	    s2_desc_is_table(s->old, s->level))
		return;
	s2o_report(r, "bbm", ev->level, "stale",
		   "L%d entry for IPA 0x%" PRIx64
		   " made valid (%s) while the L%d entry for IPA 0x%" PRIx64
		   " (%s) is invalid-unclean: a TLB may still hold the old translation",
		   ev->level, ev->ipa, describe(ev->c, ev->level, after),
		   s->level, s->ipa, describe(s->old, s->level, before));
}

/* 6.12's KVM_INVALID_PTE_LOCKED: a break whose make must follow in the op. */
static void note_locked(struct s2o_bbm *bbm, struct bbm_page *page,
			const struct s2rt_event *ev)
{
	bool locked = ev->c == S2_DESC_LOCKED;
	struct bbm_slot *s;

	/* Most stores: no lock to take, none on the page to drop. */
	if (!locked && !page->nr_locked)
		return;
	s = locked ? slot_get(bbm, page, ev->index) :
		     slot_find(page, ev->index);
	if (!s)
		return;
	if (s->locked != locked) {
		if (locked)
			page->nr_locked++;
		else
			page->nr_locked--;
	}
	s->locked = locked;
	if (!locked)
		return;
	s->ipa = ev->ipa;
	s->level = ev->level;
}

/*
 * One store to an entry at a known level.  Non-zero invalid values (owner
 * annotations, LOCKED) are all "invalid": the TLB never caches them.
 */
static void entry_store(struct s2o_bbm *bbm, struct bbm_page *page,
			const struct s2rt_event *ev, struct s2o_report *r)
{
	struct bbm_slot *s = slot_find(page, ev->index);

	if (!s2_desc_valid(ev->c)) {
		if (s2_desc_valid(ev->b))
			break_entry(bbm, page, ev);
	} else if (s && s->unclean) {
		make_before_tlbi(bbm, page, s, ev, r);
	} else if (s2_desc_valid(ev->b)) {
		change_in_place(ev, r);
	} else {
		make_entry(bbm, ev, r);
	}
	note_locked(bbm, page, ev);
}

/* --- TLBI events: IU -> I (ORACLE-RULES §1, "TLBI events") --------------- */

static bool flush_any(struct s2o_bbm *bbm, struct bbm_page *page,
		      struct bbm_slot *s, const void *arg)
{
	(void)arg;
	slot_clean(bbm, page, s);
	return false;
}

/* VMALLS12E1IS: every entry of the VMID, whole subtrees included. */
static void flush_vmid(struct s2o_bbm *bbm)
{
	find_unclean(bbm, 0, UINT64_MAX, flush_any, NULL);
}

/*
 * A hinted IPAS2E1IS: TTL says where the leaf is, so only a leaf at that
 * level containing the IPA is sure to go.
 */
static bool flush_hinted(struct s2o_bbm *bbm, struct bbm_page *page,
			 struct bbm_slot *s, const void *arg)
{
	if (s->level == *(const int *)arg && !slot_was_table(s))
		slot_clean(bbm, page, s);
	return false;
}

/*
 * The first pass of an unhinted IPAS2E1IS or a RIPAS2E1IS: every leaf
 * translating an address of the range goes, and so does every walk-cache
 * copy of a table entry on the way to one.
 */
static bool flush_leaf(struct s2o_bbm *bbm, struct bbm_page *page,
		       struct bbm_slot *s, const void *arg)
{
	(void)arg;
	if (slot_was_table(s))
		s->walk_clean = true;
	else
		slot_clean(bbm, page, s);
	return false;
}

struct flush {
	uint64_t start, end;
	int level;
};

/*
 * A table entry is clean once nothing cached below it can survive: its
 * range was flushed whole, or its subtree held no valid entry (a page of
 * no valid descriptor links no deeper table) and no IU entry is left in its
 * range (CM all_children_invalid).  A page the oracle never saw is unknown.
 */
static bool flush_table(struct s2o_bbm *bbm, struct bbm_page *page,
			struct bbm_slot *s, const void *arg)
{
	const struct flush *f = arg;
	const struct bbm_page *child;

	if (s->level != f->level || !slot_was_table(s))
		return false;
	if (f->start <= s->ipa && slot_end(s) <= f->end) {
		slot_clean(bbm, page, s);
		return false;
	}
	child = page_find(bbm, s2_desc_pa(s->old));
	if (child && !child->nr_valid &&
	    !find_unclean(bbm, s->ipa, slot_end(s), below, s))
		slot_clean(bbm, page, s);
	return false;
}

static void flush_range(struct s2o_bbm *bbm, uint64_t start, uint64_t end)
{
	find_unclean(bbm, start, end, flush_leaf, NULL);
	/* Inner tables first: an outer one waits for the IU entries below. */
	for (int level = S2_LAST_LEVEL - 1; level >= 0; level--) {
		struct flush f = { .start = start, .end = end, .level = level };

		find_unclean(bbm, start, end, flush_table, &f);
	}
}

/*
 * __kvm_tlb_flush_vmid_ipa(): unhinted (6.1 level 0, 6.12 TTL_UNKNOWN, both
 * normalised by the shim) it acts on whatever translates the page of ipa.
 */
static void on_tlbi_ipa(struct s2o_bbm *bbm, const struct s2rt_event *ev)
{
	uint64_t start = ev->a & ~(S2_PAGE_SIZE - 1);
	int level = ev->level;

	if (s2_level_known(level))
		find_unclean(bbm, ev->a, ev->a + 1, flush_hinted, &level);
	else
		flush_range(bbm, start, start + S2_PAGE_SIZE);
}

/* __kvm_tlb_flush_vmid_range(): start is rounded down to its page. */
static void on_tlbi_range(struct s2o_bbm *bbm, const struct s2rt_event *ev)
{
	uint64_t start = ev->a & ~(S2_PAGE_SIZE - 1);

	flush_range(bbm, start, start + ev->b * S2_PAGE_SIZE);
}

/* --- links between table pages (ORACLE-RULES §2) ------------------------- */

/*
 * A valid 0b11 descriptor pointing into the pool links a table page, at any
 * level but the last (where 0b11 is a page): leaves never point there, and
 * an unlinked subtree's level is not known yet.
 */
static bool links_table(uint64_t desc, int level)
{
	return level != S2_LAST_LEVEL &&
	       (desc & (S2_DESC_VALID | S2_DESC_TABLE)) ==
		       (S2_DESC_VALID | S2_DESC_TABLE) &&
	       s2rt_pa_is_table(s2_desc_pa(desc));
}

/* "L2 entry for IPA 0x200000", or "entry 0x800000003000[5]" if unplaced. */
static const char *link_name(const struct bbm_link *l, char buf[64])
{
	if (s2_level_known(l->level))
		snprintf(buf, 64, "L%d entry for IPA 0x%" PRIx64, l->level,
			 l->ipa);
	else
		snprintf(buf, 64,
			 "entry 0x%" PRIx64 "[%u] of an unlinked table",
			 l->parent, l->index);
	return buf;
}

static void unlink_child(struct s2o_bbm *bbm, const struct bbm_page *page,
			 const struct s2rt_event *ev)
{
	struct bbm_page *child;

	if (!links_table(ev->b, ev->level))
		return;
	child = page_find(bbm, s2_desc_pa(ev->b));
	if (child && child->link.parent == page->pa &&
	    child->link.index == ev->index)
		child->link.live = false;
}

/* CM "double-use pte": one table page, two live parents. */
static void link_child(struct s2o_bbm *bbm, const struct bbm_page *page,
		       const struct s2rt_event *ev, struct s2o_report *r)
{
	struct bbm_link link = {
		.parent = page->pa,
		.index = ev->index,
		.level = ev->level,
		.ipa = ev->ipa,
		.live = true,
	};
	struct bbm_page *child;
	char now[64], before[64];

	if (!links_table(ev->c, ev->level))
		return;
	child = page_get(bbm, s2_desc_pa(ev->c));
	if (child->link.live && !page_find(bbm, child->link.parent)->freed)
		s2o_report(r, "bbm", report_level(ev->level), "double-link",
			   "table page 0x%" PRIx64
			   " linked by the %s while the %s still links it",
			   child->pa, link_name(&link, now),
			   link_name(&child->link, before));
	child->link = link;
}

static void on_store(struct s2o_bbm *bbm, const struct s2rt_event *ev,
		     struct s2o_report *r)
{
	struct bbm_page *page = page_get(bbm, ev->a);

	page->nr_valid += (int)s2_desc_valid(ev->c) - (int)s2_desc_valid(ev->b);
	if (s2_level_known(ev->level)) {
		page->placed = true;
		entry_store(bbm, page, ev, r);
	}
	unlink_child(bbm, page, ev);
	link_child(bbm, page, ev, r);
}

/*
 * The entry whose link broke above a freed page must be clean: for the
 * page's own link its walk-cache copy is enough (a TLBI by IPA on an
 * emptied table, 6.12's deferred unmap), for a page deeper in the detached
 * subtree the whole subtree must be flushed.
 */
static void check_broken_link(struct s2o_bbm *bbm, const struct bbm_page *page,
			      const struct bbm_page *below,
			      struct s2o_report *r)
{
	const struct bbm_page *parent = page_find(bbm, below->link.parent);
	struct bbm_slot *s = slot_find(parent, below->link.index);
	char name[64], old[96];

	if (!s || !s->unclean || s->free_reported ||
	    (s->walk_clean && below == page))
		return;
	/*
	 * The entry may be unclean for another link by now (a vCPU linked a
	 * new table there and another broke it): an entry becomes valid
	 * again only once clean, so this link's copy was flushed then.
	 */
	if (!s2_desc_is_table(s->old, s->level) ||
	    s2_desc_pa(s->old) != below->pa)
		return;
	s2o_report(r, "free", s->level, "tlbi",
		   "table page 0x%" PRIx64
		   " freed before a TLBI covered the entry that linked it: %s (%s) is invalid-unclean",
		   page->pa, link_name(&below->link, name),
		   describe(s->old, s->level, old));
	s->free_reported = true;
}

static void report_reachable(const struct bbm_page *page, struct s2o_report *r)
{
	char name[64];

	s2o_report(r, "free", report_level(page->link.level), "reachable",
		   "table page 0x%" PRIx64
		   " freed while still reachable: the %s links it",
		   page->pa, link_name(&page->link, name));
}

/*
 * ORACLE-RULES §2: a table page may be freed only once its parent entry is
 * invalid and no walk cache holds it.  It is reachable while every link up
 * to a root page (placed, never linked) holds.  A page never linked (a
 * PGD, a spare page, an unlinked table never installed) is not judged.
 */
static void check_free(struct s2o_bbm *bbm, const struct bbm_page *page,
		       struct s2o_report *r)
{
	const struct bbm_page *below = page;

	for (int hop = 0; hop <= S2_LAST_LEVEL && below->link.parent; hop++) {
		const struct bbm_page *parent;

		if (!below->link.live) {
			check_broken_link(bbm, page, below, r);
			return;
		}
		parent = page_find(bbm, below->link.parent);
		if (!parent->link.parent) {
			if (parent->placed)
				report_reachable(page, r);
			return;
		}
		below = parent;
	}
}

static void on_free(struct s2o_bbm *bbm, const struct s2rt_event *ev,
		    struct s2o_report *r)
{
	for (uint64_t i = 0; i < ev->b; i++) {
		struct bbm_page *page =
			page_find(bbm, ev->a + i * S2_PAGE_SIZE);

		if (!page)
			continue;
		check_free(bbm, page, r);
		page->link = (struct bbm_link){ 0 };
		page->placed = false;
		page->freed = true;
	}
}

/* A page comes back from the allocator zeroed and unlinked. */
static void on_alloc(struct s2o_bbm *bbm, const struct s2rt_event *ev)
{
	for (uint64_t i = 0; i < ev->b; i++) {
		struct bbm_page *page = page_get(bbm, ev->a + i * S2_PAGE_SIZE);

		page->link = (struct bbm_link){ 0 };
		page->placed = false;
		page->freed = false;
		page->nr_valid = 0;
	}
}

static void on_event(struct s2o_bbm *bbm, const struct s2rt_event *ev,
		     struct s2o_report *r)
{
	const struct bbm_page *page;

	switch (ev->kind) {
	case S2RT_EV_STORE:
		on_store(bbm, ev, r);
		break;
	case S2RT_EV_TLBI_VMID:
	case S2RT_EV_CALLER_FLUSH:
		flush_vmid(bbm);
		break;
	case S2RT_EV_TLBI_IPA:
		on_tlbi_ipa(bbm, ev);
		break;
	case S2RT_EV_TLBI_RANGE:
		on_tlbi_range(bbm, ev);
		break;
	case S2RT_EV_ALLOC:
		on_alloc(bbm, ev);
		break;
	case S2RT_EV_FREE:
		on_free(bbm, ev, r);
		break;
	case S2RT_EV_FREE_UNLINKED:
		page = page_find(bbm, ev->a);
		if (page)
			check_free(bbm, page, r);
		break;
	default:
		/* A local (nsh) TLBI cleans nothing: BBM needs a broadcast. */
		break;
	}
}

/* --- the op's return ------------------------------------------------------ */

static const char *and_more(unsigned int nr, char buf[32])
{
	buf[0] = '\0';
	if (nr > 1)
		snprintf(buf, 32, " (and %u more)", nr - 1);
	return buf;
}

/*
 * At the return of every op but destroy, no entry may be IU (its TLBI is
 * missing) or locked (6.12 left a break unmade); entries of freed pages hold
 * nothing.  One finding each, naming the first offender.
 */
static void check_return(const struct s2o_bbm *bbm, struct s2o_report *r)
{
	const struct bbm_slot *unclean = NULL, *locked = NULL;
	unsigned int nr_unclean = 0, nr_locked = 0;
	char old[96], more[32];

	for (size_t i = 0; i < bbm->nr_dirty; i++) {
		const struct bbm_page *page = bbm->dirty[i];

		if (!page->nr_unclean && !page->nr_locked)
			continue;
		for (unsigned int j = 0; j < S2_ENTRIES_PER_TABLE; j++) {
			const struct bbm_slot *s = &page->slots[j];

			if (s->unclean && !nr_unclean++)
				unclean = s;
			if (s->locked && !page->freed && !nr_locked++)
				locked = s;
		}
	}
	if (unclean)
		s2o_report(r, "tlbi", unclean->level, "missing",
			   "L%d entry for IPA 0x%" PRIx64
			   " (%s) left invalid-unclean at return: no TLBI covered it%s",
			   unclean->level, unclean->ipa,
			   describe(unclean->old, unclean->level, old),
			   and_more(nr_unclean, more));
	if (locked)
		s2o_report(r, "tlbi", locked->level, "locked",
			   "L%d entry for IPA 0x%" PRIx64
			   " left locked (0x%llx) at return: its make never came%s",
			   locked->level, locked->ipa, S2_DESC_LOCKED,
			   and_more(nr_locked, more));
}

/* Slots live for one op: one bug must not cascade into every later op. */
static void forget_slots(struct s2o_bbm *bbm)
{
	for (size_t i = 0; i < bbm->nr_dirty; i++) {
		struct bbm_page *page = bbm->dirty[i];

		for (unsigned int w = 0; w < S2_ENTRIES_PER_TABLE / 64; w++)
			for (uint64_t bits = page->touched[w]; bits;
			     bits &= bits - 1)
				page->slots[w * 64 + __builtin_ctzll(bits)] =
					(struct bbm_slot){ 0 };
		memset(page->touched, 0, sizeof(page->touched));
		memset(page->unclean_map, 0, sizeof(page->unclean_map));
		page->dirty = false;
		page->nr_unclean = 0;
		page->nr_locked = 0;
	}
	bbm->nr_dirty = 0;
	bbm->nr_unclean = 0;
}

static void forget_pages(struct s2o_bbm *bbm)
{
	forget_slots(bbm);
	for (size_t i = 0; i < bbm->cap; i++) {
		if (bbm->pages[i])
			record_release(bbm->pages[i]);
		bbm->pages[i] = NULL;
	}
	bbm->last = NULL;
	bbm->nr_pages = 0;
}

struct s2o_bbm *s2o_bbm_create(void)
{
	return calloc(1, sizeof(struct s2o_bbm));
}

void s2o_bbm_reset(struct s2o_bbm *bbm)
{
	forget_pages(bbm);
}

void s2o_bbm_free(struct s2o_bbm *bbm)
{
	forget_pages(bbm);
	free(bbm->pages);
	free(bbm->dirty);
	free(bbm);
}

void s2o_bbm_check(struct s2o_bbm *bbm, const struct s2o_opinfo *info,
		   struct s2o_report *r)
{
	/* Destroy frees every page with no clearing and no TLBI (§1). */
	if (!info->op) {
		forget_pages(bbm);
		return;
	}
	for (size_t i = 0; i < info->nr_events; i++)
		on_event(bbm, &info->events[i], r);
	check_return(bbm, r);
	forget_slots(bbm);
}
