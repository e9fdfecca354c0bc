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
#include "model.h"

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

/* The level whose leaves have this size, or -1; pages first, the most. */
static int size_level(uint64_t size)
{
	for (int level = S2_LAST_LEVEL; level >= 0; level--)
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
 * things up in hash tables of the op's events instead of scanning them.
 * The tables outlive the op, as allocating them for every op cost more in
 * page faults than the lookups did; a slot is live only while it carries
 * the op's generation, so starting an op clears nothing.
 */
struct slot {
	uint64_t key;
	uint32_t gen;
	uint32_t idx;		/* the latest event with this key */
};

struct table {
	struct slot *slots;
	unsigned int cap_bits;	/* allocated */
	unsigned int bits;	/* in use for this op: small ops stay local */
	uint32_t gen;
	size_t used;		/* live slots */
};

#define NO_EVENT UINT32_MAX

struct index {
	struct table stores;	/* entry address -> its latest store */
	struct table cmos;	/* kind << 56 | pa -> its latest CMO */
	struct table leaves;	/* pa | (level + 1) of every store's valid
				 * leaves, and of the leaves a flush met */
	uint32_t *prev;		/* per event: the previous event of its key
				 * (store or CMO), or NO_EVENT */
	size_t cap_events;
};

static _Thread_local struct index cmo_index;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

static void table_alloc(struct table *t, unsigned int bits)
{
	size_t size = sizeof(*t->slots) << bits;

	free(t->slots);
	t->slots = xmalloc(size);
	memset(t->slots, 0, size);
	t->cap_bits = t->bits = bits;
	t->gen = 1;
}

static void table_start(struct table *t, size_t nr_keys)
{
	unsigned int bits = 4;

	while ((1ULL << bits) < 2 * nr_keys)
		bits++;
	t->used = 0;
	if (bits > t->cap_bits) {
		table_alloc(t, bits);
		return;
	}
	t->bits = bits;
	if (++t->gen == 0) {
		memset(t->slots, 0, sizeof(*t->slots) << t->cap_bits);
		t->gen = 1;
	}
}

/* key's slot: live if it has the table's generation, else where it goes. */
static struct slot *table_slot(const struct table *t, uint64_t key)
{
	uint64_t mask = (1ULL << t->bits) - 1;
	uint64_t h = (key * 0x9e3779b97f4a7c15ULL) >> (64 - t->bits);

	for (;; h = (h + 1) & mask) {
		struct slot *s = &t->slots[h];

		if (s->gen != t->gen || s->key == key)
			return s;
	}
}

/* Keeps the table at most half full: more keys than expected came. */
static void table_grow(struct table *t)
{
	struct slot *old = t->slots;
	unsigned int old_bits = t->bits;
	uint32_t old_gen = t->gen;

	t->slots = NULL;
	table_alloc(t, old_bits + 1);
	for (size_t h = 0; h < (1ULL << old_bits); h++)
		if (old[h].gen == old_gen)
			*table_slot(t, old[h].key) =
				(struct slot){ old[h].key, t->gen, old[h].idx };
	free(old);
}

static bool live(const struct table *t, const struct slot *s)
{
	return s->gen == t->gen;
}

/* Records event i under key; returns the previous event of that key. */
static uint32_t table_push(struct table *t, uint64_t key, size_t i)
{
	struct slot *s;
	uint32_t prev;

	if (2 * (t->used + 1) > (1ULL << t->bits))
		table_grow(t);
	s = table_slot(t, key);
	prev = live(t, s) ? s->idx : NO_EVENT;
	if (prev == NO_EVENT)
		t->used++;
	*s = (struct slot){ key, t->gen, i };
	return prev;
}

/* Leaves are 4K-aligned: the level fits below the PA. */
static uint64_t leaf_key(uint64_t pa, int level)
{
	return pa | (level + 1);
}

static void add_leaf(struct index *x, uint64_t pte, int level)
{
	if (s2_desc_is_leaf(pte, level))
		table_push(&x->leaves, leaf_key(s2_desc_pa(pte), level), 0);
}

/* Each leaf a piece of the mapping meets, whole. */
static void flushed_piece(uint64_t start, uint64_t end, const struct s2o_val *v,
			  void *arg)
{
	struct index *x = arg;
	struct s2o_val leaf;
	uint64_t size;

	if (v->kind != S2O_MAPPED || !s2_level_known(v->level))
		return;
	size = s2_level_size(v->level);
	leaf = s2o_leaf_span(v, &start, &end);
	for (uint64_t pa = leaf.pa; start < end; start += size, pa += size)
		table_push(&x->leaves, leaf_key(pa, v->level), 0);
}

static uint64_t cmo_key(uint8_t kind, uint64_t pa)
{
	return (uint64_t)kind << 56 | pa;
}

static struct index *index_build(const struct s2o_opinfo *info)
{
	struct index *x = &cmo_index;
	size_t nr = info->nr_events;

	if (nr > x->cap_events) {
		free(x->prev);
		x->prev = xmalloc(nr * sizeof(*x->prev));
		x->cap_events = nr;
	}
	table_start(&x->stores, nr);
	table_start(&x->cmos, nr);
	table_start(&x->leaves, 2 * nr);
	for (size_t i = 0; i < nr; i++) {
		const struct s2rt_event *ev = &info->events[i];

		x->prev[i] = NO_EVENT;
		if (ev->kind == S2RT_EV_DCACHE || ev->kind == S2RT_EV_ICACHE)
			x->prev[i] = table_push(&x->cmos,
						cmo_key(ev->kind, ev->a), i);
		if (ev->kind != S2RT_EV_STORE)
			continue;
		x->prev[i] = table_push(&x->stores,
					ev->a + 8 * (uint64_t)ev->index, i);
		if (s2_level_known(ev->level)) {
			add_leaf(x, ev->b, ev->level);
			add_leaf(x, ev->c, ev->level);
		}
	}
	/* stage2_flush_walker cleans each whole leaf the range meets. */
	if (info->op && info->op->kind == S2_OP_FLUSH)
		s2o_imap_each(info->before, info->op->ipa,
			      info->op->ipa + info->op->size, flushed_piece, x);
	return x;
}

/*
 * The first event index of [from, to) with a CMO of this kind covering
 * [pa, pa + size), or to.  pgtable.c aims each CMO at exactly the leaf it
 * installs or removes (kvm_pte_follow(pte) for its granule), so a covering
 * CMO starts at pa.  The CMOs of one key are chained latest first.
 */
static size_t find_cmo(const struct s2o_opinfo *info, const struct index *x,
		       uint8_t kind, size_t from, size_t to, uint64_t pa,
		       uint64_t size)
{
	const struct slot *s = table_slot(&x->cmos, cmo_key(kind, pa));
	size_t first = to;

	if (!live(&x->cmos, s))
		return to;
	for (uint32_t j = s->idx; j != NO_EVENT && j >= from; j = x->prev[j])
		if (j < to && info->events[j].b >= size)
			first = j;
	return first;
}

/*
 * Where the CMOs for store i may sit: after the previous store to the same
 * entry (its break: 6.1 stores 0, 6.12 KVM_INVALID_PTE_LOCKED), §4 "between
 * the break and the store".
 */
static size_t window_start(const struct index *x, size_t i)
{
	return x->prev[i] == NO_EVENT ? 0 : x->prev[i] + 1;
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

/*
 * pgtable.c issues a leaf's CMOs just before the store that installs it, and
 * cleans a leaf it removes just after the store: the events next to one are
 * looked at first, and the index is built only for what they cannot answer
 * (a misplaced or missing CMO, a flush).  Most ops never build it.
 */
#define NEARBY 16

struct lookup {
	const struct s2o_opinfo *info;
	const struct index *x;	/* NULL until needed */
	/*
	 * By level + 1: the report wants no more "target" findings there.
	 * 6.1's set_owner misses with a CMO an entry: each would scan the
	 * events around it, and the op's, and ask the report (strings).
	 */
	bool target_done[S2_LAST_LEVEL + 2];
};

static const struct index *index_of(struct lookup *lk)
{
	if (!lk->x)
		lk->x = index_build(lk->info);
	return lk->x;
}

static bool same_entry(const struct s2rt_event *a, const struct s2rt_event *b)
{
	return a->kind == b->kind && a->a == b->a && a->index == b->index;
}

/* Is a covering CMO among the events just before store i, in its window? */
static bool cmo_just_before(const struct s2o_opinfo *info, uint8_t kind,
			    size_t i, const struct leaf *l)
{
	const struct s2rt_event *store = &info->events[i];
	size_t stop = i > NEARBY ? i - NEARBY : 0;

	for (size_t j = i; j-- > stop;) {
		const struct s2rt_event *ev = &info->events[j];

		if (ev->kind == kind && ev->a == l->pa && ev->b >= l->size)
			return true;
		if (same_entry(ev, store))
			return false;	/* the break: the window starts after */
	}
	return false;
}

static void require_cmo(struct lookup *lk, uint8_t kind, size_t i,
			const struct leaf *l, const char *what,
			struct s2o_report *r)
{
	const struct s2o_opinfo *info = lk->info;
	const struct index *x;
	char name[48], size[32];
	size_t from;

	x = index_of(lk);
	from = window_start(x, i);
	if (find_cmo(info, x, kind, from, i, l->pa, l->size) < i ||
	    !s2o_report_wants(r, "cmo", l->level, cmo_field(kind)))
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

/*
 * A live leaf changed in place (permissions, access flag: stage2_attr_walker)
 * made nothing new visible: the guest reached this memory through the very
 * entry, at the moment of the store.  Most of a wrprotect's or a mkold's
 * stores: they need no look back for CMOs, nor at the mapping before.
 */
static bool changed_in_place(const struct s2rt_event *ev, const struct leaf *l)
{
	return s2_desc_is_leaf(ev->b, ev->level) && s2_desc_pa(ev->b) == l->pa;
}

static void check_store(struct lookup *lk, size_t i, struct s2o_report *r)
{
	const struct s2o_opinfo *info = lk->info;
	const struct s2rt_event *ev = &info->events[i];
	struct leaf l;
	struct seen seen;
	bool need_dcache, need_icache;

	/* Invalid, owner and table entries, and Device/Normal-NC, need none. */
	if (!s2_level_known(ev->level) || !s2_desc_is_leaf(ev->c, ev->level) ||
	    !cacheable(info, ev->c))
		return;
	l = (struct leaf){ ev->level, ev->ipa, s2_desc_pa(ev->c),
			   s2_level_size(ev->level), ev->c };
	if (changed_in_place(ev, &l)) {
		if (x_granted(ev) &&
		    !cmo_just_before(info, S2RT_EV_ICACHE, i, &l))
			require_cmo(lk, S2RT_EV_ICACHE, i, &l,
				    "made executable", r);
		return;
	}
	/* FWB: __clean_dcache_guest_page() is the host's no-op (§4). */
	need_dcache = !has_fwb(info) &&
		      !cmo_just_before(info, S2RT_EV_DCACHE, i, &l);
	need_icache = executable(ev->c) &&
		      !cmo_just_before(info, S2RT_EV_ICACHE, i, &l);
	/* What the guest could reach before matters only without them. */
	if (!need_dcache && !need_icache)
		return;
	seen = seen_before(info, &l);
	if (need_dcache && !seen.mapped)
		require_cmo(lk, S2RT_EV_DCACHE, i, &l, "installed", r);
	if (need_icache && (!seen.exec || x_granted(ev)))
		require_cmo(lk, S2RT_EV_ICACHE, i, &l,
			    seen.mapped ? "made executable" : "installed", r);
}

/* --- rule 3: every CMO aims at a valid leaf of the op -------------------- */

/* Is a valid leaf of this level at pa the old or new value of store ev? */
static bool stores_leaf(const struct s2rt_event *ev, uint64_t pa, int level)
{
	return ev->kind == S2RT_EV_STORE && ev->level == level &&
	       ((s2_desc_is_leaf(ev->b, level) && s2_desc_pa(ev->b) == pa) ||
		(s2_desc_is_leaf(ev->c, level) && s2_desc_pa(ev->c) == pa));
}

/* Nearest first: a map's store follows its CMO, an unmap's precedes it. */
static bool leaf_stored_nearby(const struct s2o_opinfo *info, size_t i,
			       uint64_t pa, int level)
{
	const struct s2rt_event *ev = info->events;

	for (size_t d = 1; d <= NEARBY; d++) {
		if (i + d < info->nr_events && stores_leaf(&ev[i + d], pa, level))
			return true;
		if (d <= i && stores_leaf(&ev[i - d], pa, level))
			return true;
	}
	return false;
}

/*
 * Beyond the events next to the CMO: the old or new value of a store
 * (unmap cleans the leaf it removed, §4), or a leaf a flush met.
 */
static bool names_leaf(struct lookup *lk, uint64_t pa, int level)
{
	const struct index *x;

	/*
	 * A miss is reported once a signature (check_target()): outside a
	 * flush, one scan of the op's stores answers it for less than
	 * building the index would cost.
	 */
	if (lk->info->op && lk->info->op->kind != S2_OP_FLUSH) {
		for (size_t j = 0; j < lk->info->nr_events; j++)
			if (stores_leaf(&lk->info->events[j], pa, level))
				return true;
		return false;
	}
	x = index_of(lk);
	return live(&x->leaves, table_slot(&x->leaves, leaf_key(pa, level)));
}

/* §6 #13: 6.1 invalidates phys_to_virt(0) for set_owner's invalid entries. */
static void check_target(struct lookup *lk, size_t i, struct s2o_report *r)
{
	const struct s2rt_event *cmo = &lk->info->events[i];
	int level = size_level(cmo->b);
	bool *done = &lk->target_done[level + 1];
	char size[32];

	if (*done ||
	    (level >= 0 && leaf_stored_nearby(lk->info, i, cmo->a, level)))
		return;
	if (!s2o_report_wants(r, "cmo", level, "target")) {
		*done = true;
		return;
	}
	if (level >= 0 && names_leaf(lk, cmo->a, level))
		return;
	s2_size_format(cmo->b, size);
	s2o_report(r, "cmo", level, "target",
		   "%s of [0x%" PRIx64 ", +%s) matches no valid leaf the op "
		   "replaced, installed or flushed",
		   cmo_name(cmo->kind), cmo->a, size);
	*done = true;
}

void s2o_cmo_check(const struct s2o_opinfo *info, struct s2o_report *r)
{
	struct lookup lk = { .info = info };

	for (size_t i = 0; i < info->nr_events; i++) {
		const struct s2rt_event *ev = &info->events[i];

		if (ev->kind == S2RT_EV_STORE)
			check_store(&lk, i, r);
		else if (ev->kind == S2RT_EV_DCACHE ||
			 ev->kind == S2RT_EV_ICACHE)
			check_target(&lk, i, r);
	}
}
