// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linearizability of a concurrent section: whatever the vCPU threads did
 * at once must read as if the ops ran one at a time.  KVM's parallel fault
 * handling rests on that: a walk under the read lock swaps each PTE by
 * compare-and-exchange, and one that loses a race backs off
 * (stage2_try_set_pte() in pgtable.c).  So some serialization of
 * the section's ops, each thread's ops in their order, each op as the
 * reference model (model.c) allows it on the mapping the ops before it
 * left, must allow every return code and leave the mapping the kernel left.
 *
 * The search is depth-first over those serializations: at most 90 of them
 * (six ops on three threads), each op branching on the few outcomes the
 * model allows it.  A branch ends as soon as an op's return code is not
 * allowed on the mapping it would have run on.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "model.h"

#define MAX_OPS S2_SECTION_MAX_OPS

/* How an op of a serialization left the mapping. */
enum outcome {
	DONE,		/* the model's outcome, expect */
	STOPPED,	/* a walk that stopped at once: alt */
	PART_WAY,	/* stopped part-way: alt where after is not expect */
	LOST,		/* a fault or mkyoung that lost the race: nothing */
	RELAXED,	/* a fault that relaxed the leaf there by then */
	NR_OUTCOMES
};

static const char *const outcome_text[NR_OUTCOMES] = {
	[STOPPED] = " (stopped)",
	[PART_WAY] = " (stopped part-way)",
	[LOST] = " (lost the race)",
	[RELAXED] = " (relaxed the leaf there)",
};

struct step {
	unsigned int op;	/* index in the section */
	enum outcome outcome;
};

/*
 * A search visits thousands of nodes: their maps, one set per depth, are
 * kept across nodes and sections, as model.c keeps its plan.
 */
struct scratch {
	struct s2o_imap state[MAX_OPS + 1];	/* before each step */
	struct s2o_imap settled[MAX_OPS];	/* every access flag known */
	struct s2o_plan plan[MAX_OPS];
	struct s2o_plan relax;			/* a fault's RELAXED outcome */
};

struct search {
	const struct s2o_opinfo *info;
	const struct s2o_thread_op *ops;
	unsigned int nr;
	struct scratch *s;
	uint64_t hull[MAX_OPS][2];	/* where each op's plan holds a map */
	unsigned int done;		/* ops on the path, a bit each */
	struct step path[MAX_OPS];
	bool explained;
	/* The serialization that got furthest, and why it failed. */
	struct step best[MAX_OPS];
	unsigned int best_len;
	int best_score;			/* ops it placed; nr if it ended */
	int level;
	const char *field;		/* "rc", or the field of the mapping */
	const struct s2_op *blame;	/* the op the verdict is about */
	char why[192];
};

/* Is v, an interval of one map, the same leaf as w, of another? */
static bool same_leaf(const struct s2o_val *v, const struct s2o_val *w)
{
	const char *field;

	return s2o_val_same(v, w, true, &field) &&
	       (v->kind != S2O_MAPPED || v->young == w->young);
}

/* Do a and b differ anywhere in [start, end)? */
static bool differ(const struct s2o_imap *a, const struct s2o_imap *b,
		   uint64_t start, uint64_t end)
{
	struct s2o_imap_cursor ca, cb;

	s2o_imap_cursor_at(&ca, a, start);
	s2o_imap_cursor_at(&cb, b, start);
	for (uint64_t addr = start, next; addr < end; addr = next) {
		struct s2o_val va, vb;

		next = end;
		va = s2o_imap_cursor_piece(&ca, addr, &next);
		vb = s2o_imap_cursor_piece(&cb, addr, &next);
		if (!same_leaf(&va, &vb))
			return true;
	}
	return false;
}

/* --- the access flags the model leaves open ------------------------------ */

/*
 * A relax, a permission fault or a split may or may not set the access
 * flag (S2O_YOUNG_ANY), but the model plans from a mapping as the view
 * reads it, every flag known: mkold returns whether one was set, and map
 * leaves a young leaf alone but replaces an old one.  Each open flag in an
 * op's hull is settled both ways, all of them together: mixes of old and
 * young leaves in one hull are not tried.
 */
struct settle {
	struct s2o_imap *dst;
	uint8_t young;
	bool open;		/* an open flag was found */
};

static void settle_piece(uint64_t start, uint64_t end, const struct s2o_val *v,
			 void *arg)
{
	struct settle *st = arg;
	struct s2o_val known = *v;

	if (v->kind != S2O_MAPPED || v->young != S2O_YOUNG_ANY)
		return;
	st->open = true;
	known.young = st->young;
	if (st->dst)
		s2o_imap_set(st->dst, start, end, &known);
}

static bool flags_open(const struct s2o_imap *m, const uint64_t hull[2])
{
	struct settle st = { 0 };

	s2o_imap_each(m, hull[0], hull[1], settle_piece, &st);
	return st.open;
}

static void settle(struct s2o_imap *dst, const struct s2o_imap *m,
		   const uint64_t hull[2], uint8_t young)
{
	struct settle st = { .dst = dst, .young = young };

	s2o_imap_copy(dst, m);
	s2o_imap_each(m, hull[0], hull[1], settle_piece, &st);
}

/* --- failures ------------------------------------------------------------ */

/* Keeps the path as the best so far if it got further than that. */
static bool further(struct search *s, unsigned int len, int score)
{
	if (score <= s->best_score)
		return false;
	s->best_score = score;
	s->best_len = len;
	memcpy(s->best, s->path, len * sizeof(*s->path));
	return true;
}

static void rc_failed(struct search *s, unsigned int depth)
{
	const struct s2o_plan *p = &s->s->plan[depth];
	char want[64], num[16];

	if (!further(s, depth + 1, depth))
		return;
	s->level = -1;
	s->field = "rc";
	s->blame = s->ops[s->path[depth].op].op;
	snprintf(s->why, sizeof(s->why), "expected %s, returned %s",
		 s2o_plan_rcs(p, want, sizeof(want)),
		 s2o_rc_name(s->ops[s->path[depth].op].rc, num, sizeof(num)));
}

/*
 * The last op on the path whose range holds where, or failing that whose
 * hull does (an op may drop a whole leaf beyond its range).
 */
static const struct s2_op *blame(const struct search *s, uint64_t where)
{
	const struct s2_op *in_range = NULL, *in_hull = s->ops[0].op;

	for (unsigned int i = 0; i < s->nr; i++) {
		const struct s2_op *op = s->ops[s->path[i].op].op;
		const uint64_t *hull = s->hull[s->path[i].op];
		uint64_t start, end;

		s2o_op_range(op, &start, &end);
		if (where >= start && where < end)
			in_range = op;
		if (where >= hull[0] && where < hull[1])
			in_hull = op;
	}
	return in_range ? in_range : in_hull;
}

static void mapping_failed(struct search *s, uint64_t where)
{
	uint64_t start, end;
	struct s2o_val want = s2o_imap_get(&s->s->state[s->nr], where, &start,
					   &end);
	struct s2o_val got = s2o_imap_get(s->info->after, where, &start, &end);
	const char *field;
	char a[64], b[64];
	bool young;

	if (!further(s, s->nr, s->nr))
		return;
	s2o_val_matches(&want, &got, &field);
	young = !strcmp(field, "young");
	s->level = got.kind != S2O_UNMAPPED ? got.level : want.level;
	/*
	 * Named as the model names it, and after the last op that could
	 * change the address: the same kernel behaviour seen in a section
	 * signs alike, and known-differences.def can list it.
	 */
	s->field = field;
	s->blame = blame(s, where);
	snprintf(s->why, sizeof(s->why),
		 "IPA 0x%" PRIx64 ": expected %s, found %s", where,
		 s2o_val_describe(&want, young, false, a, sizeof(a)),
		 s2o_val_describe(&got, young, false, b, sizeof(b)));
}

/* --- the search ---------------------------------------------------------- */

/* The first address of [start, end) where after is not what m leaves. */
static uint64_t first_mismatch(const struct s2o_imap *m,
			       const struct s2o_imap *after, uint64_t start,
			       uint64_t end)
{
	struct s2o_imap_cursor cm, ca;
	const char *field;

	s2o_imap_cursor_at(&cm, m, start);
	s2o_imap_cursor_at(&ca, after, start);
	for (uint64_t addr = start, next; addr < end; addr = next) {
		struct s2o_val want, got;

		next = end;
		want = s2o_imap_cursor_piece(&cm, addr, &next);
		got = s2o_imap_cursor_piece(&ca, addr, &next);
		if (!s2o_val_matches(&want, &got, &field))
			return addr;
	}
	return UINT64_MAX;
}

/*
 * A whole serialization: it explains the section if the mapping it leaves
 * is the kernel's wherever an op could change it or a store touched.
 */
static void judge_end(struct search *s)
{
	const struct s2o_imap *m = &s->s->state[s->nr];
	const struct s2o_imap *after = s->info->after;
	const uint64_t *touched = s->info->touched;
	uint64_t where = UINT64_MAX, at;

	for (unsigned int i = 0; i < s->nr; i++) {
		at = first_mismatch(m, after, s->hull[i][0], s->hull[i][1]);
		if (at < where)
			where = at;
	}
	for (size_t i = 0; i < s->info->nr_touched; i++) {
		at = first_mismatch(m, after, touched[2 * i],
				    touched[2 * i + 1]);
		if (at < where)
			where = at;
	}
	if (where == UINT64_MAX)
		s->explained = true;
	else
		mapping_failed(s, where);
}

/*
 * Does the end still show what want put there?  Later ops of the section
 * may have changed its permissions or access flag since, but not where it
 * points without replacing it.
 */
static bool still_there(const struct s2o_val *want, const struct s2o_val *got)
{
	if (want->kind != got->kind)
		return false;
	if (want->kind == S2O_MAPPED)
		return want->pa == got->pa;
	return want->kind != S2O_OWNER || want->owner == got->owner;
}

/*
 * The part-way outcome: other wherever after does not still show what
 * expect leaves, which is the only mix of the two that can explain it.
 * False if that is expect all along (an outcome tried already).
 */
static bool part_way(struct s2o_imap *next, const struct s2o_plan *p,
		     const struct s2o_imap *other_map,
		     const struct s2o_imap *after)
{
	struct s2o_imap_cursor cw, co, cg;
	bool mixed = false;

	s2o_imap_cursor_at(&cw, &p->expect, p->start);
	s2o_imap_cursor_at(&co, other_map, p->start);
	s2o_imap_cursor_at(&cg, after, p->start);
	for (uint64_t addr = p->start, end; addr < p->end; addr = end) {
		struct s2o_val want, other, got;

		end = p->end;
		want = s2o_imap_cursor_piece(&cw, addr, &end);
		other = s2o_imap_cursor_piece(&co, addr, &end);
		got = s2o_imap_cursor_piece(&cg, addr, &end);
		if (still_there(&want, &got) || same_leaf(&want, &other))
			continue;
		s2o_imap_set(next, addr, end, &other);
		mixed = true;
	}
	return mixed;
}

static bool apply_outcome(struct search *s, unsigned int depth,
			  enum outcome o, const struct s2o_imap *before);

/*
 * A split that returned 0 left every leaf it met as pages: the model,
 * which judges mappings and not leaf sizes, does not say so, but an unmap
 * after it drops pages, not the block.
 */
static void split_to_pages(struct s2o_imap *next, const struct s2_op *op)
{
	uint64_t addr = op->ipa, stop = op->ipa + op->size;

	while (addr < stop) {
		uint64_t s, e;
		struct s2o_val v = s2o_imap_get(next, addr, &s, &e);

		if (v.kind != S2O_MAPPED || v.level == S2_LAST_LEVEL) {
			addr = e;
			continue;
		}
		s = addr;
		e = addr + S2_PAGE_SIZE;
		v = s2o_leaf_span(&v, &s, &e);
		v.level = S2_LAST_LEVEL;
		s2o_imap_set(next, s, e, &v);
		addr = e;
	}
}

/*
 * The mapping the op at depth leaves in state[depth + 1] by outcome o,
 * from before; false if o is not one of its outcomes, or is one tried
 * already.
 */
static bool apply(struct search *s, unsigned int depth, enum outcome o,
		  const struct s2o_imap *before)
{
	const struct s2o_thread_op *t = &s->ops[s->path[depth].op];
	struct s2o_imap *next = &s->s->state[depth + 1];

	if (!apply_outcome(s, depth, o, before))
		return false;
	if (t->op->kind == S2_OP_SPLIT && !t->rc)
		split_to_pages(next, t->op);
	return true;
}

/* The model's plan of op, returning rc, on before, in the section's VM. */
static void plan(const struct search *s, const struct s2_op *op, int rc,
		 bool alloc_failed, const struct s2o_imap *before,
		 struct s2o_plan *p)
{
	struct s2o_opinfo info = {
		.op = op,
		.rc = rc,
		.features = s->info->features,
		.ipa_bits = s->info->ipa_bits,
		.api = s->info->api,
		.before = before,
	};

	s2o_model_plan(&info, alloc_failed, p);
}

/*
 * A fault that found a leaf of its granule relaxes it, as KVM relaxes on
 * a permission fault; if another vCPU replaced that leaf by the time the
 * relax walked, the relax changes whatever leaf maps the IPA then (KVM's
 * user_mem_abort() has the same window between the fault and the walk).
 */
static const struct s2o_plan *relaxed(struct search *s, unsigned int depth,
				      const struct s2o_imap *before)
{
	const struct s2o_thread_op *t = &s->ops[s->path[depth].op];
	struct s2_op relax = *t->op;

	relax.kind = S2_OP_RELAX;
	/* As the adapter asks: readable, and device memory never runs. */
	relax.prot |= S2_PROT_R;
	if (relax.prot & S2_PROT_DEVICE)
		relax.prot &= ~S2_PROT_X;
	plan(s, &relax, 0, false, before, &s->s->relax);
	return &s->s->relax;
}

/*
 * kvm_pgtable_stage2_mkyoung() walks under the read lock and gives up at
 * the first invalid entry.  If another vCPU broke an entry on the way to
 * its IPA (6.12 locks a table entry while it coalesces the table into a
 * block), it returns no leaf and changes nothing, and KVM's
 * handle_access_fault() lets the vCPU fault again.  So a mkyoung that
 * found no leaf where the model has one lost that race, if another
 * thread stored to an entry translating its IPA.
 */
static bool mkyoung_lost(const struct search *s, const struct s2o_thread_op *t,
			 const struct s2o_plan *p)
{
	const struct s2o_opinfo *info = s->info;

	if (t->op->kind != S2_OP_MKYOUNG || s2o_plan_allows(p, t->rc))
		return false;
	for (size_t i = 0; i < info->nr_events; i++) {
		const struct s2rt_event *ev = &info->events[i];

		if (ev->kind == S2RT_EV_STORE && ev->thread != t->thread &&
		    s2_level_known(ev->level) &&
		    t->op->ipa >= ev->ipa &&
		    t->op->ipa - ev->ipa < s2_level_size(ev->level))
			return true;
	}
	return false;
}

static bool apply_outcome(struct search *s, unsigned int depth,
			  enum outcome o, const struct s2o_imap *before)
{
	const struct s2o_plan *p = &s->s->plan[depth];
	const struct s2o_thread_op *t = &s->ops[s->path[depth].op];
	const struct s2_op *op = t->op;
	struct s2o_imap *next = &s->s->state[depth + 1];

	switch (o) {
	case STOPPED:
		if (!p->partial || !differ(&p->expect, p->alt, p->start,
					   p->end))
			return false;
		s2o_imap_copy(next, before);
		s2o_imap_splice(next, p->lo, p->hi, p->alt);
		return true;
	case PART_WAY:
		/*
		 * A fault's walk (KVM_PGTABLE_WALK_HANDLE_FAULT) stops at the
		 * first entry another vCPU changed under it: it may have mapped
		 * part of its granule by then, e.g. pages of a table that vCPU
		 * put where the fault meant a block.
		 */
		if (!p->partial && op->kind != S2_OP_FAULT)
			return false;
		s2o_imap_copy(next, before);
		s2o_imap_splice(next, p->lo, p->hi, &p->expect);
		return part_way(next, p, p->partial ? p->alt : before,
				s->info->after);
	case LOST:
		if (op->kind == S2_OP_FAULT ?
			    !differ(&p->expect, before, p->start, p->end) :
			    !mkyoung_lost(s, t, p))
			return false;
		s2o_imap_copy(next, before);
		return true;
	case RELAXED:
		if (op->kind != S2_OP_FAULT)
			return false;
		s2o_imap_copy(next, before);
		p = relaxed(s, depth, before);
		s2o_imap_splice(next, p->lo, p->hi, &p->expect);
		return true;
	default:	/* DONE */
		s2o_imap_copy(next, before);
		s2o_imap_splice(next, p->lo, p->hi, &p->expect);
		return true;
	}
}

static void search(struct search *s, unsigned int depth);

/* The op i, next on its thread, runs at depth on before. */
static void step(struct search *s, unsigned int depth, unsigned int i,
		 const struct s2o_imap *before)
{
	const struct s2o_thread_op *t = &s->ops[i];
	struct s2o_plan *p = &s->s->plan[depth];
	bool lost_only;	/* its rc only a lost race explains */

	s->path[depth].op = i;
	s->path[depth].outcome = DONE;
	plan(s, t->op, t->rc, t->alloc_failed, before, p);
	lost_only = mkyoung_lost(s, t, p);
	if (!s2o_plan_allows(p, t->rc) && !lost_only) {
		rc_failed(s, depth);
		return;
	}
	s->done |= 1u << i;
	for (enum outcome o = DONE; o < NR_OUTCOMES && !s->explained; o++) {
		if ((lost_only && o != LOST) || !apply(s, depth, o, before))
			continue;
		s->path[depth].outcome = o;
		search(s, depth + 1);
	}
	s->done &= ~(1u << i);
}

static bool ends_later(const struct search *s, unsigned int a,
		       unsigned int b)
{
	unsigned int fa = s->ops[a].finished, fb = s->ops[b].finished;

	return fa && fb ? fa > fb : !fa && fb;
}

/* Every op that may come next: the first not yet run of each thread. */
static void search(struct search *s, unsigned int depth)
{
	unsigned int threads = 0, next[MAX_OPS], n = 0;

	if (depth == s->nr) {
		judge_end(s);
		return;
	}
	/*
	 * The first op not yet run of each thread, those that ended first
	 * first: the order they ended in is tried first, so a finding names
	 * what happened.
	 */
	for (unsigned int i = 0; i < s->nr; i++) {
		unsigned int thread = 1u << s->ops[i].thread;

		if (s->done & (1u << i) || threads & thread)
			continue;
		threads |= thread;
		next[n++] = i;
	}
	for (unsigned int a = 1; a < n; a++)
		for (unsigned int b = a; b && ends_later(s, next[b - 1], next[b]);
		     b--) {
			unsigned int tmp = next[b];

			next[b] = next[b - 1];
			next[b - 1] = tmp;
		}
	for (unsigned int k = 0; k < n && !s->explained; k++) {
		const struct s2o_imap *before = &s->s->state[depth];
		struct s2o_imap *settled = &s->s->settled[depth];
		unsigned int i = next[k];

		if (!flags_open(before, s->hull[i])) {
			step(s, depth, i, before);
			continue;
		}
		for (uint8_t young = 0; young <= 1 && !s->explained; young++) {
			settle(settled, before, s->hull[i], young);
			step(s, depth, i, settled);
		}
	}
}

/* --- the check ----------------------------------------------------------- */

/* The mapping before, where the ops may change it or a store touched. */
static void start_state(struct search *s)
{
	struct s2o_imap *m = &s->s->state[0];
	const struct s2o_opinfo *info = s->info;

	s2o_imap_clear(m);
	for (unsigned int i = 0; i < s->nr; i++)
		s2o_imap_splice(m, s->hull[i][0], s->hull[i][1], info->before);
	for (size_t i = 0; i < info->nr_touched; i++)
		s2o_imap_splice(m, info->touched[2 * i],
				info->touched[2 * i + 1], info->before);
}

static void report(const struct search *s, struct s2o_report *r)
{
	/* The verdict matters most: in a long message, the order gives way. */
	size_t room = sizeof(r->findings[0].msg) - strlen(s->why) - 64;
	char order[320], text[96];
	size_t n = 0, len = room < sizeof(order) ? room : sizeof(order);
	const struct s2o_opinfo *section = r->info;
	struct s2o_opinfo blamed;

	order[0] = '\0';
	for (unsigned int i = 0; i < s->best_len && n < len; i++) {
		const struct s2o_thread_op *t = &s->ops[s->best[i].op];
		const char *more = outcome_text[s->best[i].outcome];

		n += snprintf(order + n, len - n, "%st%u %s%s",
			      i ? ", " : "", t->thread,
			      s2_op_text(NULL, t->op, text, sizeof(text)),
			      more ? more : "");
	}
	/* A report names its opinfo's op: here the op the verdict is about. */
	blamed = *section;
	blamed.op = s->blame;
	r->info = &blamed;
	s2o_report(r, "linear", s->level, s->field,
		   "no serialization of %u ops explains the section: %s: %s",
		   s->nr, order, s->why);
	r->info = section;
}

void s2o_linearizability_check(const struct s2o_opinfo *info,
			       const struct s2o_thread_op *ops, unsigned int nr,
			       struct s2o_report *r)
{
	static _Thread_local struct scratch scratch;
	struct search s = {
		.info = info, .ops = ops, .nr = nr, .s = &scratch,
		.best_score = -1,
	};

	/* fuzz/seq.h cuts sections at S2_SECTION_MAX_OPS. */
	if (nr > MAX_OPS)
		abort();
	/*
	 * A walk whose memcache ran dry may stop anywhere and leave any
	 * address of a leaf it broke up unmapped (break_leaf()): the model
	 * allows that address by address, against the mapping right after
	 * the op, which a later op of the section may have changed since.
	 * The search would have to branch on every such address: such a
	 * section is not judged.
	 */
	for (unsigned int i = 0; i < nr; i++)
		if (ops[i].alloc_failed)
			return;
	for (unsigned int i = 0; i < nr; i++) {
		const struct s2o_opinfo one = { .op = ops[i].op };

		s2o_model_hull(&one, &s.hull[i][0], &s.hull[i][1]);
	}
	start_state(&s);
	search(&s, 0);
	if (!s.explained)
		report(&s, r);
}
