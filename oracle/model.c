// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reference model: from the logical mapping before an op, the mappings
 * and return codes arch/arm64/kvm/hyp/pgtable.c (6.1 and 6.12) may leave,
 * with the op driven as targets/adapter/adapter.c drives it.
 *
 * An op builds two interval maps from the mapping before it: the primary
 * outcome (expect) and an alternative (alt, the same where only one outcome
 * is allowed).  The mapping after the op must match one of them at every
 * address the op could change, and at every address its stores touched:
 * outside its range both are the mapping before, so a stray store that
 * changed a translation is caught.  A map walk that ran out of memory may
 * also leave the leaves it broke up unmapped (break_leaf()).  Everything is
 * done interval by interval: a 1G block costs what a page costs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "model.h"

/* KVM_MAX_OWNER_ID: the owner field of an invalid PTE has one bit in use. */
#define S2O_MAX_OWNER_ID 1
/* KVM_PGTABLE_MIN_BLOCK_LEVEL for a 4K granule without LPA2. */
#define S2O_MIN_BLOCK_LEVEL 1

struct model {
	const struct s2o_opinfo *info;
	const struct s2_op *op;
	const struct s2o_imap *before;
	struct s2o_plan *plan;	/* what the planners build */
	bool alloc_failed;	/* the op's memcache ran dry */
	int block_min;		/* the first level a block may sit at */
	unsigned int grant;	/* relax: the permissions granted */
	unsigned int unchanged;	/* map chunks the kernel left alone */
	unsigned int hits;	/* mkold: young leaves; mkyoung: leaves */
};

/* One walk of kvm_pgtable_stage2_map() or _set_owner() over [start, end). */
struct walk {
	uint64_t start, end;
	struct s2o_val val;	/* what the range becomes (pa: at start) */
	bool force_pte;		/* set_owner: pages only */
};

static const struct s2o_val unmapped = { .kind = S2O_UNMAPPED, .level = -1 };

static uint64_t align_down(uint64_t addr, uint64_t size)
{
	return addr & ~(size - 1);
}

static uint64_t align_up(uint64_t addr, uint64_t size)
{
	return align_down(addr + size - 1, size);
}

/*
 * stage2_pgtable_levels() for a 4K granule: 9 bits a level above the page
 * offset, with concatenated tables at the top; never fewer than 2 levels.
 */
static int start_level(unsigned int ipa_bits)
{
	int levels = ((int)ipa_bits - 8) / 9;

	return S2_LAST_LEVEL + 1 - (levels > 2 ? levels : 2);
}

static void allow(struct model *m, int rc)
{
	m->plan->rc[m->plan->nr_rc++] = rc;
}

bool s2o_plan_allows(const struct s2o_plan *p, int rc)
{
	for (unsigned int i = 0; i < p->nr_rc; i++)
		if (p->rc[i] == rc)
			return true;
	return false;
}

const char *s2o_plan_rcs(const struct s2o_plan *p, char *buf, size_t len)
{
	char num[16];
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < p->nr_rc && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? " or " : "",
			      s2o_rc_name(p->rc[i], num, sizeof(num)));
	return buf;
}

/* A memcache that ran dry is the one way to -ENOMEM. */
static bool memcache_ran_dry(const struct s2o_opinfo *info)
{
	for (size_t i = 0; i < info->nr_events; i++)
		if (info->events[i].kind == S2RT_EV_ALLOC_FAIL)
			return true;
	return false;
}

static void cover(struct model *m, uint64_t start, uint64_t end)
{
	if (start >= end)
		return;
	if (start < m->plan->start)
		m->plan->start = start;
	if (end > m->plan->end)
		m->plan->end = end;
}

struct s2o_val s2o_leaf_span(const struct s2o_val *v, uint64_t *start,
			     uint64_t *end)
{
	uint64_t size = s2_level_size(v->level);
	struct s2o_val leaf = *v;

	if (leaf.kind == S2O_MAPPED)
		leaf.pa -= *start - align_down(*start, size);
	*start = align_down(*start, size);
	*end = align_up(*end, size);
	return leaf;
}

/* --- the attribute, age and unmap walkers: whole leaves ------------------ */

/*
 * These walkers visit every leaf the range overlaps and change all of it:
 * the hardware cannot describe part of a leaf.
 */
static void edit_leaf(struct model *m, struct s2o_val *leaf)
{
	/* Only unmap touches annotations; the others skip invalid PTEs. */
	if (leaf->kind != S2O_MAPPED) {
		if (m->op->kind == S2_OP_UNMAP)
			*leaf = unmapped;
		return;
	}
	switch (m->op->kind) {
	case S2_OP_UNMAP:
		*leaf = unmapped;
		break;
	case S2_OP_WRPROTECT:
		leaf->prot &= ~S2_PROT_W;
		break;
	case S2_OP_MKOLD:
		m->hits += leaf->young;
		leaf->young = 0;
		break;
	case S2_OP_MKYOUNG:
		m->hits++;
		leaf->young = 1;
		break;
	case S2_OP_SPLIT:
		/* Pages are not split; the new leaves of a block get AF set. */
		if (leaf->level < S2_LAST_LEVEL)
			leaf->young = S2O_YOUNG_ANY;
		break;
	default:
		/* relax_perms, also for a permission fault; AF may change. */
		leaf->prot |= m->grant;
		leaf->young = S2O_YOUNG_ANY;
		break;
	}
}

static void edit_piece(uint64_t start, uint64_t end, const struct s2o_val *v,
		       void *arg)
{
	struct model *m = arg;
	struct s2o_val leaf;

	if (v->kind == S2O_UNMAPPED)
		return;
	leaf = s2o_leaf_span(v, &start, &end);
	edit_leaf(m, &leaf);
	s2o_imap_set(&m->plan->expect, start, end, &leaf);
	cover(m, start, end);
}

void s2o_whole_leaves(const struct s2o_imap *before, uint64_t *start,
		      uint64_t *end)
{
	uint64_t s, e, lo = *start, hi = *end;
	struct s2o_val v = s2o_imap_get(before, *start, &s, &e);

	if (v.kind != S2O_UNMAPPED)
		s2o_leaf_span(&v, &lo, &e);
	v = s2o_imap_get(before, *end - 1, &s, &e);
	if (v.kind != S2O_UNMAPPED)
		s2o_leaf_span(&v, &s, &hi);
	*start = lo;
	*end = hi;
}

static void edit_leaves(struct model *m, uint64_t start, uint64_t end)
{
	cover(m, start, end);
	/* Unmap removes every leaf it meets, whole: one edit, not one a leaf. */
	if (m->op->kind == S2_OP_UNMAP) {
		s2o_whole_leaves(m->before, &start, &end);
		s2o_imap_set(&m->plan->expect, start, end, &unmapped);
		cover(m, start, end);
		return;
	}
	s2o_imap_each(m->before, start, end, edit_piece, m);
}

/* --- the map walker ------------------------------------------------------ */

/*
 * kvm_block_mapping_supported(): the walk installs a leaf at the first level
 * whose granule fits in what is left of the range and to which both the
 * address and its PA are aligned.  They move together, so the alignment of
 * their difference decides for the PA.
 */
static int chunk_level(const struct model *m, const struct walk *w,
		       uint64_t addr)
{
	uint64_t off = w->val.pa - w->start;

	if (w->force_pte)
		return S2_LAST_LEVEL;
	for (int level = m->block_min; level < S2_LAST_LEVEL; level++) {
		uint64_t size = s2_level_size(level);

		if (!(addr & (size - 1)) && !(off & (size - 1)) &&
		    w->end - addr >= size)
			return level;
	}
	return S2_LAST_LEVEL;
}

/*
 * The chunks from addr on are all at this level until what is left is
 * smaller than one, or a larger block first fits: one interval stands for
 * any number of them.
 */
static uint64_t run_end(const struct model *m, const struct walk *w,
			uint64_t addr, int level)
{
	uint64_t size = s2_level_size(level);
	uint64_t end = addr + (w->end - addr) / size * size;
	uint64_t next;

	if (level == m->block_min)
		return end;
	next = align_down(addr, s2_level_size(level - 1)) +
	       s2_level_size(level - 1);
	if (next < end && chunk_level(m, w, next) < level)
		return next;
	return end;
}

struct run {
	struct model *m;
	const struct walk *w;
	struct s2o_val val;	/* what the run becomes, at run_start */
	uint64_t run_start;
};

/*
 * stage2_map_walker_try_leaf(): a valid leaf in place of the new one that
 * differs from it only in permissions (stage2_pte_needs_update()) is left
 * alone, and the walker returns -EAGAIN: the vCPU comes back through
 * relax_perms if it must.  AF is not a permission, so an old leaf is
 * replaced; an annotation, old or new, always is.
 */
static void keep_unchanged(uint64_t start, uint64_t end,
			   const struct s2o_val *old, void *arg)
{
	struct run *r = arg;

	if (old->kind != S2O_MAPPED || r->val.kind != S2O_MAPPED ||
	    old->level != r->val.level || !old->young ||
	    old->pa != r->val.pa + (start - r->run_start) ||
	    (old->prot ^ r->val.prot) & S2_PROT_DEVICE)
		return;
	s2o_imap_set(&r->m->plan->expect, start, end, old);
	r->m->unchanged++;
}

static void install_chunks(struct model *m, const struct walk *w)
{
	uint64_t addr = w->start;

	while (addr < w->end) {
		int level = chunk_level(m, w, addr);
		uint64_t end = run_end(m, w, addr, level);
		struct run r = { m, w, w->val, addr };

		r.val.level = level;
		if (r.val.kind == S2O_MAPPED)
			r.val.pa += addr - w->start;
		s2o_imap_set(&m->plan->expect, addr, end, &r.val);
		s2o_imap_each(m->before, addr, end, keep_unchanged, &r);
		addr = end;
	}
}

/*
 * stage2_map_walk_leaf(): a leaf the walk cannot replace whole, because it
 * reaches outside the range or is larger than the chunks in it, is replaced
 * by an empty table.  What it mapped outside the range is gone until a
 * fault maps it again.  The table page is allocated before the leaf is
 * dropped, but the walk below it can still run out of pages: after
 * -ENOMEM any address of such a leaf may also be unmapped.
 */
static void break_leaves(struct run *r, const struct s2o_val *leaf,
			 uint64_t start, uint64_t end)
{
	const struct walk *w = r->w;

	if (start >= w->start && end <= w->end &&
	    leaf->level >= chunk_level(r->m, w, start))
		return;
	s2o_imap_set(&r->m->plan->expect, start, w->start, &unmapped);
	s2o_imap_set(&r->m->plan->expect, w->end, end, &unmapped);
	s2o_imap_set(&r->m->plan->torn, start, end, leaf);
	cover(r->m, start, end);
}

/*
 * The leaves a piece of the mapping meets.  Those inside the range all
 * fare alike: at their aligned starts the same chunk fits, or not.  Only
 * a leaf at either end may reach outside.
 */
static void break_leaf(uint64_t start, uint64_t end, const struct s2o_val *v,
		       void *arg)
{
	struct run *r = arg;
	const struct walk *w = r->w;
	struct s2o_val leaf, part;
	uint64_t size, cut[4];

	if (v->kind == S2O_UNMAPPED)
		return;
	size = s2_level_size(v->level);
	leaf = s2o_leaf_span(v, &start, &end);
	cut[0] = start;
	cut[1] = start < w->start ? start + size : start;
	cut[2] = end > w->end ? end - size : end;
	cut[3] = end;
	if (cut[1] > cut[2]) {
		/* One leaf, reaching out at both ends. */
		break_leaves(r, &leaf, start, end);
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (cut[i] == cut[i + 1])
			continue;
		part = leaf;
		if (part.kind == S2O_MAPPED)
			part.pa += cut[i] - start;
		break_leaves(r, &part, cut[i], cut[i + 1]);
	}
}

static void plan_walk(struct model *m, const struct walk *w)
{
	struct run r = { .m = m, .w = w };

	cover(m, w->start, w->end);
	install_chunks(m, w);
	s2o_imap_each(m->before, w->start, w->end, break_leaf, &r);
	allow(m, 0);
	if (m->alloc_failed)
		allow(m, -ENOMEM);
	/* An error stops the walk: each chunk is old or new. */
	m->plan->partial = m->info->rc != 0;
}

static struct s2o_val mapping(uint64_t pa, unsigned int prot)
{
	return (struct s2o_val){
		.kind = S2O_MAPPED, .prot = prot, .young = 1, .pa = pa,
	};
}

/* --- the ops ------------------------------------------------------------- */

static void plan_map(struct model *m)
{
	const struct s2_op *op = m->op;
	struct walk w = {
		.start = op->ipa,
		.end = op->ipa + op->size,
		.val = mapping(op->pa, op->prot),
	};

	/* stage2_set_prot_attr(): device memory is never executable. */
	if ((op->prot & S2_PROT_DEVICE) && (op->prot & S2_PROT_X)) {
		cover(m, w.start, w.end);
		allow(m, -EINVAL);
		return;
	}
	plan_walk(m, &w);
	/* 6.1 stops at an unchanged chunk with -EAGAIN; 6.12 carries on. */
	if (m->unchanged)
		allow(m, -EAGAIN);
}

void s2o_op_range(const struct s2_op *op, uint64_t *start, uint64_t *end)
{
	uint64_t size = op->size ? op->size : S2_PAGE_SIZE;

	*start = op->ipa;
	if (op->kind == S2_OP_FAULT) {
		bool page = op->page || (op->prot & S2_PROT_DEVICE);

		size = page ? S2_PAGE_SIZE : s2_level_size(2);
		*start = align_down(op->ipa, size);
	}
	*end = *start + size;
}

/*
 * vm_fault(), after user_mem_abort(): THP-backed memory is mapped by 2M
 * block unless dirty logging forces pages; device memory by page, never
 * executable, and always readable.  A leaf of that granule already there
 * makes it a permission fault.
 */
static void plan_fault(struct model *m)
{
	const struct s2_op *op = m->op;
	unsigned int prot = op->prot | S2_PROT_R;
	uint64_t s, e;
	struct s2o_val v = s2o_imap_get(m->before, op->ipa, &s, &e);
	struct walk w = { 0 };

	s2o_op_range(op, &w.start, &w.end);
	if (op->prot & S2_PROT_DEVICE)
		prot &= ~S2_PROT_X;
	if (v.kind == S2O_MAPPED && s2_level_size(v.level) == w.end - w.start) {
		m->grant = prot & S2O_PROT_RWX;
		edit_leaves(m, op->ipa, op->ipa + S2_PAGE_SIZE);
		allow(m, 0);
		return;
	}
	w.val = mapping(align_down(S2_MEMSLOT_PA(op->ipa), w.end - w.start),
			prot);
	plan_walk(m, &w);
	/*
	 * The adapter turns -EAGAIN into 0, as KVM does; a fault walk stops
	 * at the chunk that returned it (6.12: KVM_PGTABLE_WALK_HANDLE_FAULT).
	 */
	if (m->unchanged)
		m->plan->partial = true;
}

/* unmap and wrprotect: every leaf the range overlaps. */
static void plan_leaves(struct model *m)
{
	edit_leaves(m, m->op->ipa, m->op->ipa + m->op->size);
	allow(m, 0);
}

static void plan_mkold(struct model *m)
{
	edit_leaves(m, m->op->ipa, m->op->ipa + m->op->size);
	allow(m, m->hits ? 1 : 0);
}

/* 6.12 returns -EAGAIN when there is no valid leaf, or nothing to change. */
static void plan_relax(struct model *m)
{
	m->grant = m->op->prot & S2O_PROT_RWX;
	edit_leaves(m, m->op->ipa, m->op->ipa + S2_PAGE_SIZE);
	allow(m, 0);
	allow(m, -EAGAIN);
}

static void plan_mkyoung(struct model *m)
{
	edit_leaves(m, m->op->ipa, m->op->ipa + S2_PAGE_SIZE);
	allow(m, m->hits ? 1 : 0);
}

/*
 * kvm_pgtable_stage2_split() builds each table, down to pages, before it
 * swaps it in for a block: whatever it returns, the mapping reads the
 * same.  The split cache is sized by the range, as KVM sizes it, not by
 * the blocks it meets: a block needing more than is left is split a level
 * at a time, and -ENOMEM, without allocating, when not even one table
 * page is left.
 */
static void plan_split(struct model *m)
{
	allow(m, 0);
	allow(m, S2_UNSUPPORTED);
	allow(m, -ENOMEM);
	/* 6.1 has no split: then nothing may have changed. */
	if (m->info->rc == S2_UNSUPPORTED)
		cover(m, m->op->ipa, m->op->ipa + m->op->size);
	else
		edit_leaves(m, m->op->ipa, m->op->ipa + m->op->size);
}

/*
 * kvm_pgtable_stage2_set_owner(): a map walk of invalid PTEs carrying the
 * owner, by page (owner 0 is the empty PTE).
 */
static void plan_owner(struct model *m)
{
	const struct s2_op *op = m->op;
	struct walk w = {
		.start = op->ipa,
		.end = op->ipa + op->size,
		.val = { .kind = op->count ? S2O_OWNER : S2O_UNMAPPED,
			 .owner = op->count },
		.force_pte = true,
	};

	if (op->count > S2O_MAX_OWNER_ID) {
		cover(m, w.start, w.end);
		allow(m, -EINVAL);
		return;
	}
	plan_walk(m, &w);
}

static void plan_nothing(struct model *m)
{
	cover(m, m->op->ipa, m->op->ipa + m->op->size);
	allow(m, 0);
}

static void (*const planners[S2_OP_COUNT])(struct model *m) = {
	[S2_OP_MAP] = plan_map,
	[S2_OP_UNMAP] = plan_leaves,
	[S2_OP_WRPROTECT] = plan_leaves,
	[S2_OP_FAULT] = plan_fault,
	[S2_OP_RELAX] = plan_relax,
	[S2_OP_MKOLD] = plan_mkold,
	[S2_OP_MKYOUNG] = plan_mkyoung,
	[S2_OP_SPLIT] = plan_split,
	[S2_OP_OWNER] = plan_owner,
	[S2_OP_FLUSH] = plan_nothing,
	[S2_OP_MEMCACHE] = plan_nothing,
	[S2_OP_THREAD] = plan_nothing,
};

/* --- the plan ------------------------------------------------------------ */

/* [*lo, *hi) grown to the ranges the op's stores touched. */
static void add_touched(const struct s2o_opinfo *info, uint64_t *lo,
			uint64_t *hi)
{
	const uint64_t *ranges = info->touched;
	size_t n = info->nr_touched;

	if (n && ranges[0] < *lo)
		*lo = ranges[0];
	if (n && ranges[2 * n - 1] > *hi)
		*hi = ranges[2 * n - 1];
}

/*
 * The most an op can reach whatever the mapping: the 1G slots its range
 * meets (no leaf is larger, so every leaf it overlaps is inside) and every
 * range its stores touched.
 */
void s2o_model_hull(const struct s2o_opinfo *info, uint64_t *lo, uint64_t *hi)
{
	const struct s2_op *op = info->op;
	uint64_t slot = s2_level_size(S2O_MIN_BLOCK_LEVEL);

	*lo = align_down(op->ipa, slot);
	*hi = align_down(op->ipa + (op->size ? op->size : S2_PAGE_SIZE) - 1,
			 slot) + slot;
	add_touched(info, lo, hi);
}

/*
 * What the op reaches on this mapping: its range, the leaves at either end
 * whole (it may drop them whole), and every range its stores touched.
 * Copying only that keeps an op's cost apart from the rest of the mapping,
 * even of the rest of its 1G slot.
 */
static void plan_hull(const struct s2o_opinfo *info, uint64_t *lo,
		      uint64_t *hi)
{
	s2o_op_range(info->op, lo, hi);
	s2o_whole_leaves(info->before, lo, hi);
	add_touched(info, lo, hi);
}

void s2o_model_plan(const struct s2o_opinfo *info, bool alloc_failed,
		    struct s2o_plan *p)
{
	int start = start_level(info->ipa_bits);
	struct model m = {
		.info = info,
		.op = info->op,
		.before = info->before,
		.plan = p,
		.alloc_failed = alloc_failed,
		.block_min = start > S2O_MIN_BLOCK_LEVEL ? start :
							   S2O_MIN_BLOCK_LEVEL,
	};

	s2o_imap_clear(&p->expect);
	s2o_imap_clear(&p->torn);
	p->partial = false;
	p->start = UINT64_MAX;
	p->end = 0;
	p->nr_rc = 0;
	plan_hull(info, &p->lo, &p->hi);
	s2o_imap_splice(&p->expect, p->lo, p->hi, info->before);
	planners[info->op->kind](&m);
	/* The model reads before only inside [lo, hi), as checks do. */
	p->alt = p->partial ? info->before : &p->expect;
}

/* --- judging ------------------------------------------------------------- */

bool s2o_val_matches(const struct s2o_val *want, const struct s2o_val *got,
		     const char **field)
{
	if (!s2o_val_same(want, got, false, field))
		return false;
	if (want->kind == S2O_MAPPED && want->young != S2O_YOUNG_ANY &&
	    want->young != got->young) {
		*field = "young";
		return false;
	}
	return true;
}

/* What may be at one address, and what is. */
struct verdict {
	struct s2o_val want, other, got;
	bool gone;	/* unmapped is allowed too: see break_leaf() */
};

/* The maps a verdict reads, walked up from one address. */
struct verdicts {
	struct s2o_imap_cursor torn, want, other, got;
	bool gone, other_differs;	/* worth looking up, torn and other */
};

static void verdicts_at(struct verdicts *c, const struct s2o_plan *p,
			const struct s2o_opinfo *info, uint64_t addr)
{
	c->gone = info->rc == -ENOMEM;
	c->other_differs = p->alt != &p->expect;
	s2o_imap_cursor_at(&c->torn, &p->torn, addr);
	s2o_imap_cursor_at(&c->want, &p->expect, addr);
	s2o_imap_cursor_at(&c->other, p->alt, addr);
	s2o_imap_cursor_at(&c->got, info->after, addr);
}

/* The verdict at addr; *end is lowered to where it may change. */
static void verdict_at(struct verdicts *c, uint64_t addr, uint64_t *end,
		       struct verdict *v)
{
	v->want = s2o_imap_cursor_piece(&c->want, addr, end);
	v->other = c->other_differs ?
			   s2o_imap_cursor_piece(&c->other, addr, end) :
			   v->want;
	v->got = s2o_imap_cursor_piece(&c->got, addr, end);
	v->gone = c->gone &&
		  s2o_imap_cursor_piece(&c->torn, addr, end).kind !=
			  S2O_UNMAPPED;
}

static bool allowed(const struct verdict *v)
{
	const char *field;

	return s2o_val_matches(&v->want, &v->got, &field) ||
	       s2o_val_matches(&v->other, &v->got, &field) ||
	       (v->gone && v->got.kind == S2O_UNMAPPED);
}

/* The first address of [start, end) where after is no allowed outcome. */
static bool find_mismatch(const struct s2o_plan *p,
			  const struct s2o_opinfo *info, uint64_t start,
			  uint64_t end, uint64_t *where)
{
	struct verdicts c;
	uint64_t addr = start;

	verdicts_at(&c, p, info, start);
	while (addr < end) {
		uint64_t next = end;
		struct verdict v;

		verdict_at(&c, addr, &next, &v);
		if (!allowed(&v)) {
			*where = addr;
			return true;
		}
		addr = next;
	}
	return false;
}

/* "IPA 0x40200000: expected map 0x80200000 rw (or unmapped), found ..." */
static void report_mapping(const struct s2o_plan *p,
			   const struct s2o_opinfo *info, struct s2o_report *r,
			   uint64_t where)
{
	uint64_t end = UINT64_MAX;
	const char *field, *same;
	char a[64], b[64], c[64], more[96] = "";
	struct verdicts at;
	struct verdict v;
	bool young, differs, gone;
	int level = -1;

	verdicts_at(&at, p, info, where);
	verdict_at(&at, where, &end, &v);
	s2o_val_matches(&v.want, &v.got, &field);
	young = !strcmp(field, "young");
	differs = !s2o_val_matches(&v.want, &v.other, &same);
	gone = v.gone && v.want.kind != S2O_UNMAPPED &&
	       v.other.kind != S2O_UNMAPPED;
	s2o_val_describe(&v.other, young, false, b, sizeof(b));
	if (differs && gone)
		snprintf(more, sizeof(more), " (or %s, or unmapped)", b);
	else if (differs)
		snprintf(more, sizeof(more), " (or %s)", b);
	else if (gone)
		snprintf(more, sizeof(more), " (or unmapped)");
	if (v.got.kind != S2O_UNMAPPED)
		level = v.got.level;
	else if (v.want.kind != S2O_UNMAPPED)
		level = v.want.level;
	s2o_report(r, "model", level, field,
		   "IPA 0x%" PRIx64 ": expected %s%s, found %s", where,
		   s2o_val_describe(&v.want, young, false, a, sizeof(a)), more,
		   s2o_val_describe(&v.got, young, false, c, sizeof(c)));
}

/* The op's range and the touched ones, each address once, in order. */
static const struct s2o_ranges *checked_ranges(const struct s2o_plan *p,
					       const struct s2o_opinfo *info)
{
	static _Thread_local struct s2o_ranges rl;
	const uint64_t changed[2] = { p->start, p->end };

	s2o_ranges_union(&rl, info->touched, info->nr_touched, changed,
			 p->start < p->end);
	return &rl;
}

static void check_mapping(const struct s2o_plan *p,
			  const struct s2o_opinfo *info, struct s2o_report *r)
{
	const struct s2o_ranges *rl = checked_ranges(p, info);
	uint64_t where;

	/* Sorted: the first range with a mismatch has the lowest one. */
	for (size_t i = 0; i < rl->nr; i++)
		if (find_mismatch(p, info, rl->r[2 * i], rl->r[2 * i + 1],
				  &where)) {
			report_mapping(p, info, r, where);
			return;
		}
}

static void check_rc(const struct s2o_plan *p, const struct s2o_opinfo *info,
		     struct s2o_report *r)
{
	char want[64], num[16];

	if (s2o_plan_allows(p, info->rc))
		return;
	s2o_report(r, "model", -1, "rc", "expected %s, returned %s",
		   s2o_plan_rcs(p, want, sizeof(want)),
		   s2o_rc_name(info->rc, num, sizeof(num)));
}

void s2o_model_check(const struct s2o_opinfo *info, struct s2o_report *r)
{
	/* Kept across ops: allocating three maps per op showed in profiles. */
	static _Thread_local struct s2o_plan plan;

	/* destroy: the VM is gone, and its mapping with it. */
	if (!info->op)
		return;
	/*
	 * Only an error needs the memcache's excuse: a walk's plan allows 0
	 * anyway, and the scan reads every event of the op.
	 */
	s2o_model_plan(info, info->rc && memcache_ran_dry(info), &plan);
	check_mapping(&plan, info, r);
	check_rc(&plan, info, r);
}
