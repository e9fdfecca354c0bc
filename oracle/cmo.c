// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cache maintenance (ORACLE-RULES §4): guest memory a new leaf makes visible
 * must be cleaned to the PoC, and invalidated from the i-cache if the guest
 * may execute it, before the store that installs the leaf; and every CMO of
 * an op must be aimed at a leaf that op touched.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "oracle.h"

/*
 * MemAttr of Normal write-back memory, as KVM_S2_MEMATTR(pgt, NORMAL)
 * encodes it: MT_S2_NORMAL without FEAT_S2FWB, MT_S2_FWB_NORMAL with it.
 */
#define S2_MEMATTR_NORMAL 0xf
#define S2_MEMATTR_FWB_NORMAL 0x6

/* The valid leaf a store installs. */
struct leaf {
	int level;
	uint64_t ipa;
	uint64_t pa;
	uint64_t size;
	uint64_t pte;
};

static bool known_level(int level)
{
	return level >= 0 && level <= S2_LAST_LEVEL;
}

static bool has_fwb(const struct s2o_opinfo *info)
{
	return info->features & S2_FEAT_FWB;
}

/* stage2_pte_cacheable(): Device and Normal-NC need no clean (§4). */
static bool cacheable(const struct s2o_opinfo *info, uint64_t pte)
{
	return s2_desc_memattr(pte) ==
	       (has_fwb(info) ? S2_MEMATTR_FWB_NORMAL : S2_MEMATTR_NORMAL);
}

static bool executable(uint64_t pte)
{
	return !(pte & S2_DESC_XN);
}

static const char *cmo_name(uint8_t kind)
{
	return kind == S2RT_EV_DCACHE ? "dcache clean" : "icache invalidation";
}

static const char *cmo_field(uint8_t kind)
{
	return kind == S2RT_EV_DCACHE ? "dcache" : "icache";
}

/* The level whose leaves have this size, or -1. */
static int size_level(uint64_t size)
{
	for (int level = 0; level <= S2_LAST_LEVEL; level++)
		if (s2_level_size(level) == size)
			return level;
	return -1;
}

/* "L2 block 0x80000000 rwx" */
static void leaf_name(const struct leaf *l, char *buf, size_t len)
{
	char prot[8];

	s2_desc_prot_letters(l->pte, prot);
	snprintf(buf, len, "L%d %s 0x%" PRIx64 " %s", l->level,
		 l->level == S2_LAST_LEVEL ? "page" : "block", l->pa, prot);
}

/* --- what the guest could reach before the op ---------------------------- */

struct seen {
	uint64_t ipa, pa;	/* the new leaf's translation */
	bool mapped;		/* every address already mapped to that PA */
	bool exec;		/* ... and executable there */
};

static void seen_piece(uint64_t start, uint64_t end, const struct s2o_val *v,
		       void *arg)
{
	struct seen *s = arg;

	(void)end;
	if (v->kind != S2O_MAPPED || v->pa != s->pa + (start - s->ipa)) {
		s->mapped = false;
		s->exec = false;
	} else if (!(v->prot & S2_PROT_X)) {
		s->exec = false;
	}
}

static struct seen seen_before(const struct s2o_opinfo *info,
			       const struct leaf *l)
{
	struct seen s = { l->ipa, l->pa, true, true };

	s2o_imap_each(info->before, l->ipa, l->ipa + l->size, seen_piece, &s);
	return s;
}

/* --- finding the CMOs ---------------------------------------------------- */

/*
 * An op can install 262144 pages (a 1G range by page): the checks look
 * things up in sorted copies of the op's events instead of scanning them.
 */
struct key {
	uint64_t a, b;		/* sort keys */
	size_t idx;		/* event index */
};

struct index {
	struct key *cmos;	/* (kind << 56 | pa, 0, idx) */
	size_t nr_cmos;
	struct key *leaves;	/* (pa, size) of every store's valid leaves,
				 * and of the leaves a flush met */
	size_t nr_leaves, cap_leaves;
	size_t *prev;		/* per event: the previous store to the same
				 * entry, or SIZE_MAX */
};

static int key_cmp(const void *x, const void *y)
{
	const struct key *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

static void push_leaf(struct index *x, uint64_t pa, uint64_t size, size_t i)
{
	if (x->nr_leaves == x->cap_leaves) {
		x->cap_leaves = 2 * x->cap_leaves + 16;
		x->leaves = realloc(x->leaves,
				    x->cap_leaves * sizeof(*x->leaves));
		if (!x->leaves)
			abort();
	}
	x->leaves[x->nr_leaves++] = (struct key){ pa, size, i };
}

static void add_leaf(struct index *x, uint64_t pte, int level, size_t i)
{
	if (s2_desc_is_leaf(pte, level))
		push_leaf(x, s2_desc_pa(pte), s2_level_size(level), i);
}

/* A piece of a leaf: its IPA offset in the leaf gives the leaf's PA. */
static void flushed_piece(uint64_t start, uint64_t end, const struct s2o_val *v,
			  void *arg)
{
	struct index *x = arg;
	uint64_t size;

	(void)end;
	if (v->kind != S2O_MAPPED || !known_level(v->level))
		return;
	size = s2_level_size(v->level);
	push_leaf(x, v->pa - (start & (size - 1)), size, SIZE_MAX);
}

/*
 * Links each store to the previous store to the same entry, through an
 * open-addressing table keyed by the entry's address (never 0): linear in
 * the events, where sorting them was most of an op's cost.  The table
 * outlives the op: allocating it zeroed for every op cost more in page
 * faults than the lookups (perf: a third of a run).  A slot is live only
 * while it carries the op's generation.
 */
struct store_slot {
	uint64_t entry;
	uint32_t gen;
	uint32_t idx;
};

static _Thread_local struct {
	struct store_slot *slots;
	unsigned int cap_bits;	/* allocated */
	unsigned int bits;	/* in use for this op: small ops stay local */
	uint32_t gen;
} last_store;

static void last_store_reset(size_t nr_events)
{
	unsigned int bits = 4;

	while ((1ULL << bits) < 2 * nr_events)
		bits++;
	last_store.bits = bits;
	if (bits > last_store.cap_bits) {
		free(last_store.slots);
		last_store.slots = NULL;
		last_store.cap_bits = bits;
	}
	if (!last_store.slots || ++last_store.gen == 0) {
		size_t size = sizeof(struct store_slot) << last_store.cap_bits;

		if (!last_store.slots)
			last_store.slots = xmalloc(size);
		memset(last_store.slots, 0, size);
		last_store.gen = 1;
	}
}

static void link_stores(struct index *x, const struct s2o_opinfo *info)
{
	uint64_t mask;

	last_store_reset(info->nr_events);
	mask = (1ULL << last_store.bits) - 1;
	for (size_t i = 0; i < info->nr_events; i++) {
		const struct s2rt_event *ev = &info->events[i];
		uint64_t entry = ev->a + 8 * (uint64_t)ev->index, h;
		struct store_slot *slot;

		if (ev->kind != S2RT_EV_STORE)
			continue;
		h = (entry * 0x9e3779b97f4a7c15ULL) >> (64 - last_store.bits);
		for (;; h = (h + 1) & mask) {
			slot = &last_store.slots[h];
			if (slot->gen != last_store.gen || slot->entry == entry)
				break;
		}
		if (slot->gen == last_store.gen)
			x->prev[i] = slot->idx;
		*slot = (struct store_slot){ entry, last_store.gen, i };
	}
}

static void index_build(struct index *x, const struct s2o_opinfo *info)
{
	size_t nr = info->nr_events;

	x->cmos = xmalloc(nr * sizeof(*x->cmos));
	x->leaves = NULL;
	x->cap_leaves = 0;
	x->prev = xmalloc(nr * sizeof(*x->prev));
	x->nr_cmos = x->nr_leaves = 0;
	for (size_t i = 0; i < nr; i++) {
		const struct s2rt_event *ev = &info->events[i];

		x->prev[i] = SIZE_MAX;
		if (ev->kind == S2RT_EV_DCACHE || ev->kind == S2RT_EV_ICACHE)
			x->cmos[x->nr_cmos++] = (struct key){
				(uint64_t)ev->kind << 56 | ev->a, 0, i };
		if (ev->kind != S2RT_EV_STORE)
			continue;
		if (known_level(ev->level)) {
			add_leaf(x, ev->b, ev->level, i);
			add_leaf(x, ev->c, ev->level, i);
		}
	}
	/* stage2_flush_walker cleans each whole leaf the range meets. */
	if (info->op && info->op->kind == S2_OP_FLUSH)
		s2o_imap_each(info->before, info->op->ipa,
			      info->op->ipa + info->op->size, flushed_piece, x);
	s2o_sort(x->cmos, x->nr_cmos, sizeof(*x->cmos), key_cmp);
	s2o_sort(x->leaves, x->nr_leaves, sizeof(*x->leaves), key_cmp);
	link_stores(x, info);
}

static void index_free(struct index *x)
{
	free(x->cmos);
	free(x->leaves);
	free(x->prev);
}

/* The first key not below (a, b). */
static size_t lower_bound(const struct key *k, size_t nr, uint64_t a,
			  uint64_t b)
{
	struct key want = { a, b, 0 };
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(&k[mid], &want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The first event index of [from, to) with a CMO of this kind covering
 * [pa, pa + size), or to.  pgtable.c aims each CMO at exactly the leaf it
 * installs or removes (kvm_pte_follow(pte) for its granule), so a covering
 * CMO starts at pa.
 */
static size_t find_cmo(const struct s2o_opinfo *info, const struct index *x,
		       uint8_t kind, size_t from, size_t to, uint64_t pa,
		       uint64_t size)
{
	uint64_t key = (uint64_t)kind << 56 | pa;

	for (size_t j = lower_bound(x->cmos, x->nr_cmos, key, 0);
	     j < x->nr_cmos && x->cmos[j].a == key && x->cmos[j].idx < to; j++)
		if (x->cmos[j].idx >= from &&
		    info->events[x->cmos[j].idx].b >= size)
			return x->cmos[j].idx;
	return to;
}

/*
 * Where the CMOs for store i may sit: after the previous store to the same
 * entry (its break: 6.1 stores 0, 6.12 KVM_INVALID_PTE_LOCKED), §4 "between
 * the break and the store".
 */
static size_t window_start(const struct index *x, size_t i)
{
	return x->prev[i] == SIZE_MAX ? 0 : x->prev[i] + 1;
}

/* Says where a covering CMO outside the window went, if there is one. */
static const char *misplaced(const struct s2o_opinfo *info,
			     const struct index *x, uint8_t kind, size_t from,
			     size_t i, const struct leaf *l)
{
	if (find_cmo(info, x, kind, i + 1, info->nr_events, l->pa, l->size) <
	    info->nr_events)
		return "; one comes after the store";
	if (find_cmo(info, x, kind, 0, from, l->pa, l->size) < from)
		return "; one comes before the entry was broken";
	return "";
}

static void require_cmo(const struct s2o_opinfo *info, const struct index *x,
			uint8_t kind, size_t from, size_t i,
			const struct leaf *l, const char *what,
			struct s2o_report *r)
{
	char name[48], size[32];

	if (find_cmo(info, x, kind, from, i, l->pa, l->size) < i)
		return;
	leaf_name(l, name, sizeof(name));
	s2_size_format(l->size, size);
	s2o_report(r, "cmo", l->level, cmo_field(kind),
		   "%s %s at IPA 0x%" PRIx64 " with no %s of [0x%" PRIx64
		   ", +%s) before it%s",
		   name, what, l->ipa, cmo_name(kind), l->pa, size,
		   misplaced(info, x, kind, from, i, l));
}

/* --- rules 1 and 2: CMOs before newly visible memory --------------------- */

/* stage2_attr_walker: relax_perms clearing XN on a live leaf (§4). */
static bool x_granted(const struct s2rt_event *ev)
{
	return s2_desc_is_leaf(ev->b, ev->level) && !executable(ev->b) &&
	       executable(ev->c);
}

static void check_store(const struct s2o_opinfo *info, const struct index *x,
			size_t i, struct s2o_report *r)
{
	const struct s2rt_event *ev = &info->events[i];
	struct leaf l;
	struct seen seen;
	size_t from;

	/* Invalid, owner and table entries, and Device/Normal-NC, need none. */
	if (!known_level(ev->level) || !s2_desc_is_leaf(ev->c, ev->level) ||
	    !cacheable(info, ev->c))
		return;
	l = (struct leaf){ ev->level, ev->ipa, s2_desc_pa(ev->c),
			   s2_level_size(ev->level), ev->c };
	seen = seen_before(info, &l);
	from = window_start(x, i);
	/* FWB: __clean_dcache_guest_page() is the host's no-op (§4). */
	if (!seen.mapped && !has_fwb(info))
		require_cmo(info, x, S2RT_EV_DCACHE, from, i, &l, "installed",
			    r);
	if (executable(ev->c) && (!seen.exec || x_granted(ev)))
		require_cmo(info, x, S2RT_EV_ICACHE, from, i, &l,
			    seen.mapped ? "made executable" : "installed", r);
}

/* --- rule 3: every CMO aims at a valid leaf of the op -------------------- */

/*
 * The old or new value of a store (unmap cleans the leaf it removed, §4),
 * or a leaf a flush met.
 */
static bool names_leaf(const struct index *x, uint64_t pa, uint64_t size)
{
	size_t j = lower_bound(x->leaves, x->nr_leaves, pa, size);

	return j < x->nr_leaves && x->leaves[j].a == pa &&
	       x->leaves[j].b == size;
}

/* §6 #13: 6.1 invalidates phys_to_virt(0) for set_owner's invalid entries. */
static void check_target(const struct index *x, const struct s2rt_event *cmo,
			 struct s2o_report *r)
{
	char size[32];

	if (names_leaf(x, cmo->a, cmo->b))
		return;
	s2_size_format(cmo->b, size);
	s2o_report(r, "cmo", size_level(cmo->b), "target",
		   "%s of [0x%" PRIx64 ", +%s) matches no valid leaf the op "
		   "replaced, installed or flushed",
		   cmo_name(cmo->kind), cmo->a, size);
}

void s2o_cmo_check(const struct s2o_opinfo *info, struct s2o_report *r)
{
	struct index x;

	index_build(&x, info);
	for (size_t i = 0; i < info->nr_events; i++) {
		const struct s2rt_event *ev = &info->events[i];

		if (ev->kind == S2RT_EV_STORE)
			check_store(info, &x, i, r);
		else if (ev->kind == S2RT_EV_DCACHE ||
			 ev->kind == S2RT_EV_ICACHE)
			check_target(&x, ev, r);
	}
	index_free(&x);
}
