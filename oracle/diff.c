// SPDX-License-Identifier: GPL-2.0-only
/*
 * The differential: two kernels ran the same op; their logical mappings
 * must agree.  Differences an entry of known-differences.def explains are
 * remembered as ranges and not compared again until the kernels agree on
 * them.  In strict mode (a kernel against itself patched) return codes and
 * table structure must agree too; otherwise their differences are
 * divergences, reported but never findings.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "model.h"

struct s2o_diff {
	bool strict;
	bool raced;	/* a concurrent section ended differently */
	struct s2o_imap explained;	/* kind MAPPED marks a range */
	struct s2o_ranges compared;	/* the op's: kept for the next */
};

struct s2o_diff *s2o_diff_create(bool strict)
{
	struct s2o_diff *d = calloc(1, sizeof(*d));

	if (!d)
		abort();
	d->strict = strict;
	s2o_imap_init(&d->explained);
	return d;
}

void s2o_diff_reset(struct s2o_diff *d, bool strict)
{
	d->strict = strict;
	d->raced = false;
	s2o_imap_clear(&d->explained);
	d->compared.nr = 0;
}

/*
 * Whether addr lies in the range of an op that stopped part-way on one
 * kernel, or in a leaf that range overlapped: the kernel that went on
 * drops such leaves whole.
 */
static bool in_stopped_range(const struct s2o_opinfo *stopped,
			     uint64_t addr)
{
	uint64_t start, end;

	s2o_op_range(stopped->op, &start, &end);
	s2o_whole_leaves(stopped->before, &start, &end);
	return addr >= start && addr < end;
}

/*
 * map_eagain_stops_walk: one kernel of the walk-args generation returned
 * -EAGAIN from a map that the other completed.
 */
static bool map_eagain_stops_walk(const struct s2o_opinfo *a,
				  const struct s2o_opinfo *b, uint64_t addr)
{
	const struct s2o_opinfo *stopped = a->rc == -EAGAIN ? a : b;

	if (!a->op || a->op->kind != S2_OP_MAP || stopped->rc != -EAGAIN ||
	    strcmp(stopped->api, "walk-args") || a->rc == b->rc)
		return false;
	return in_stopped_range(stopped, addr);
}

/*
 * memcache_runs_dry: with a memcache directive, a kernel ran out of pages
 * (-ENOMEM), where the other did not or at another point.
 */
static bool memcache_runs_dry(const struct s2o_opinfo *a,
			      const struct s2o_opinfo *b, uint64_t addr)
{
	if (!a->op || !a->memcache_limited)
		return false;
	return (a->rc == -ENOMEM && in_stopped_range(a, addr)) ||
	       (b->rc == -ENOMEM && in_stopped_range(b, addr));
}

/*
 * leaf_sizes_differ: before the op, the address sat in a leaf of one size
 * on one kernel and of another size on the other.
 */
static bool leaf_sizes_differ(const struct s2o_opinfo *a,
			      const struct s2o_opinfo *b, uint64_t addr)
{
	uint64_t s, e;
	struct s2o_val va = s2o_imap_get(a->before, addr, &s, &e);
	struct s2o_val vb = s2o_imap_get(b->before, addr, &s, &e);

	return va.kind != S2O_UNMAPPED && vb.kind != S2O_UNMAPPED &&
	       va.level != vb.level;
}

/*
 * access_flags_differ: before a map (or a fault, which maps), the address
 * had the same mapping on both kernels but for the access flag.
 */
static bool access_flags_differ(const struct s2o_opinfo *a,
				const struct s2o_opinfo *b, uint64_t addr)
{
	uint64_t s, e;
	struct s2o_val va, vb;
	const char *field;

	if (!a->op || (a->op->kind != S2_OP_MAP && a->op->kind != S2_OP_FAULT))
		return false;
	va = s2o_imap_get(a->before, addr, &s, &e);
	vb = s2o_imap_get(b->before, addr, &s, &e);
	return va.kind == S2O_MAPPED && s2o_val_same(&va, &vb, false, &field) &&
	       va.young != vb.young;
}

static const struct {
	const char *name;
	bool (*explains)(const struct s2o_opinfo *a,
			 const struct s2o_opinfo *b, uint64_t addr);
} known_differences[] = {
#define S2O_KNOWN_DIFFERENCE(name, reason) { #name, name },
#define S2O_KNOWN_FINDING(signature, api, reason)
#include "known-differences.def"
#undef S2O_KNOWN_DIFFERENCE
#undef S2O_KNOWN_FINDING
};

/* The known difference that explains a difference at addr, or NULL. */
static const char *explaining(const struct s2o_opinfo *a,
			      const struct s2o_opinfo *b, uint64_t addr)
{
	for (size_t i = 0; i < sizeof(known_differences) /
				       sizeof(known_differences[0]); i++)
		if (known_differences[i].explains(a, b, addr))
			return known_differences[i].name;
	return NULL;
}

/* Explained ranges are merged with their neighbours: they are few. */
static void mark_explained(struct s2o_diff *d, uint64_t start, uint64_t end)
{
	static const struct s2o_val mark = { .kind = S2O_MAPPED };
	uint64_t s, e;

	if (start && s2o_imap_get(&d->explained, start - 1, &s, &e).kind)
		start = s;
	if (s2o_imap_get(&d->explained, end, &s, &e).kind)
		end = e;
	s2o_imap_set(&d->explained, start, end, &mark);
}

/* Compares [start, end): every piece where the two differ is judged. */
static void compare_range(struct s2o_diff *d, const struct s2o_opinfo *a,
			  const struct s2o_opinfo *b, uint64_t start,
			  uint64_t end, const char *names[2], bool excused,
			  struct s2o_report *r, struct s2o_report *div)
{
	struct s2o_imap_cursor ca, cb;
	uint64_t addr = start;

	s2o_imap_cursor_at(&ca, a->after, start);
	s2o_imap_cursor_at(&cb, b->after, start);
	while (addr < end) {
		uint64_t xs, xe, next = end;
		struct s2o_val va = s2o_imap_cursor_piece(&ca, addr, &next);
		struct s2o_val vb = s2o_imap_cursor_piece(&cb, addr, &next);
		bool explained = s2o_imap_get(&d->explained, addr, &xs, &xe).kind;
		char da[64], db[64];
		const char *field, *known;

		if (s2o_val_same(&va, &vb, false, &field)) {
			if (explained)
				s2o_imap_set(&d->explained, addr, next,
					     &(struct s2o_val){ 0 });
			if (va.kind && va.level != vb.level)
				s2o_report(d->strict ? r : div, "diff",
					   va.level, "level",
					   "IPA 0x%" PRIx64 ": %s maps it at "
					   "L%d, %s at L%d", addr, names[0],
					   va.level, names[1], vb.level);
			addr = next;
			continue;
		}
		if (explained) {
			addr = next < xe ? next : xe;
			continue;
		}
		known = excused ? "the model's finding" : explaining(a, b, addr);
		if (known) {
			s2o_report(div, "known", -1, known,
				   "IPA 0x%" PRIx64 ": explained by %s", addr,
				   known);
			mark_explained(d, addr, next);
			addr = next;
			continue;
		}
		s2o_val_describe(&va, false, true, da, sizeof(da));
		s2o_val_describe(&vb, false, true, db, sizeof(db));
		s2o_report(r, "diff", va.kind ? va.level : vb.level, field,
			   "IPA 0x%" PRIx64 ": %s has %s, %s has %s", addr,
			   names[0], da, names[1], db);
		return;
	}
}

static void describe_table(const struct s2rt_table *t, char *buf, size_t len)
{
	if (t)
		snprintf(buf, len, "it (refcount %d)", t->count);
	else
		snprintf(buf, len, "none");
}

/* Strict: the same table pages at the same places, with the same counts. */
static void compare_tables(const struct s2o_opinfo *a,
			   const struct s2o_opinfo *b, const char *names[2],
			   struct s2o_report *r)
{
	size_t i = 0, j = 0;

	while (i < a->nr_tables || j < b->nr_tables) {
		const struct s2rt_table *ta = i < a->nr_tables ? &a->tables[i] : NULL;
		const struct s2rt_table *tb = j < b->nr_tables ? &b->tables[j] : NULL;
		const struct s2rt_table *t;
		char da[32], db[32];

		if (ta && tb && ta->level == tb->level && ta->ipa == tb->ipa) {
			i++;
			j++;
			if (ta->count == tb->count)
				continue;
		} else if (ta && (!tb || ta->level < tb->level ||
				  (ta->level == tb->level && ta->ipa < tb->ipa))) {
			tb = NULL;
		} else {
			ta = NULL;
		}
		t = ta ? ta : tb;
		describe_table(ta, da, sizeof(da));
		describe_table(tb, db, sizeof(db));
		s2o_report(r, "diff", t->level, ta && tb ? "refcount" : "table",
			   "L%d table for IPA 0x%" PRIx64 ": %s has %s, %s has %s",
			   t->level, t->ipa, names[0], da, names[1], db);
		return;
	}
}

/*
 * After a concurrent section each kernel may have run another
 * serialization of its ops (6.1 takes the write lock for faults, 6.12 runs
 * them together; a patch moves the yield points the schedule counts), and
 * each is judged on its own.  Leaves of other sizes behave differently
 * later (a map into a block drops the rest of it), so unless the two agree
 * on every leaf the section touched, they are not compared again.
 */
static bool section_agrees(struct s2o_diff *d, const struct s2o_opinfo *a,
			   const struct s2o_opinfo *b, const char *names[2],
			   struct s2o_report *div)
{
	const uint64_t *all = d->compared.r;

	for (size_t i = 0; i < d->compared.nr; i++) {
		struct s2o_imap_cursor ca, cb;

		s2o_imap_cursor_at(&ca, a->after, all[2 * i]);
		s2o_imap_cursor_at(&cb, b->after, all[2 * i]);
		for (uint64_t addr = all[2 * i], end; addr < all[2 * i + 1];
		     addr = end) {
			struct s2o_val va, vb;
			const char *field;

			end = all[2 * i + 1];
			va = s2o_imap_cursor_piece(&ca, addr, &end);
			vb = s2o_imap_cursor_piece(&cb, addr, &end);
			if (s2o_val_same(&va, &vb, true, &field))
				continue;
			d->raced = true;
			s2o_report(div, "section", -1, "raced",
				   "IPA 0x%" PRIx64 ": %s and %s ended the "
				   "section differently (%s); they are not "
				   "compared again", addr, names[0], names[1],
				   field);
			return false;
		}
	}
	return true;
}

void s2o_diff_check(struct s2o_diff *d, const struct s2o_opinfo *a,
		    const struct s2o_opinfo *b, const char *names[2],
		    bool excused, struct s2o_report *r,
		    struct s2o_report *div)
{
	struct s2o_ranges *all = &d->compared;

	if (d->raced)
		return;
	if (a->rc != b->rc) {
		char rca[16], rcb[16];

		s2o_report(d->strict ? r : div, "diff", -1, "rc",
			   "%s returned %s, %s returned %s", names[0],
			   s2o_rc_name(a->rc, rca, sizeof(rca)), names[1],
			   s2o_rc_name(b->rc, rcb, sizeof(rcb)));
	}
	/*
	 * Elsewhere neither view changed (fuzz/run.c walks again only what
	 * stores touched): what was compared before stands, explained or not,
	 * and an op's range or a long-lived explained one is not walked again
	 * op after op.  Both kernels mostly touch the same ranges: each is
	 * compared once.
	 */
	s2o_ranges_union(all, a->touched, a->nr_touched, b->touched,
			 b->nr_touched);
	if (a->section) {
		section_agrees(d, a, b, names, div);
		return;
	}
	for (size_t i = 0; i < all->nr && !r->nr; i++)
		compare_range(d, a, b, all->r[2 * i], all->r[2 * i + 1], names,
			      excused, r, div);
	if (d->strict && !r->nr && !excused)
		compare_tables(a, b, names, r);
}
