// SPDX-License-Identifier: GPL-2.0-only
/*
 * The logical mapping a kernel's live table gives, kept up to date from the
 * event log: after an op only the IPA ranges its stores touched are walked
 * again (PERF-NOTES: scanning mostly-empty tables was two thirds of a naive
 * oracle's time).
 */
#include <stdlib.h>

#include "desc.h"
#include "oracle.h"

static struct s2o_val entry_val(uint64_t pte, int level)
{
	struct s2o_val v = { .kind = S2O_UNMAPPED, .level = level };

	if (s2_desc_is_leaf(pte, level)) {
		v.kind = S2O_MAPPED;
		v.pa = s2_desc_pa(pte);
		v.young = !!(pte & S2_DESC_AF);
		v.prot = s2_desc_prot(pte);
	} else if (!s2_desc_valid(pte) && pte != S2_DESC_LOCKED &&
		   (pte & S2_DESC_OWNER_MASK)) {
		v.kind = S2O_OWNER;
		v.owner = s2_desc_owner(pte);
	}
	return v;
}

/*
 * A walk's leaves come in order, and most carry on the one before: the
 * next page of a run is its descriptor plus the page size.  A run is
 * decoded and set once, not once a leaf; the walk hands over each table
 * page's part of it in one call, and the parts join here.
 */
struct refill {
	struct s2o_imap *m;
	uint64_t start, end;
	struct s2o_val run;	/* S2O_UNMAPPED: none yet */
	uint64_t run_start, run_end;
	int level;
	uint64_t step;		/* a leaf's PA on from the one before: the
				 * granule, or 0 for annotations */
	uint64_t next_pte;	/* what the run's next leaf would hold */
};

static void flush_run(struct refill *rf)
{
	if (rf->run.kind == S2O_UNMAPPED)
		return;
	s2o_imap_set(rf->m, rf->run_start,
		     rf->run_end < rf->end ? rf->run_end : rf->end, &rf->run);
	rf->run.kind = S2O_UNMAPPED;
}

static void add_entry(const struct s2_entry *e, void *arg)
{
	struct refill *rf = arg;
	uint64_t size = s2_level_size(e->level);

	if (rf->run.kind != S2O_UNMAPPED && e->level == rf->level &&
	    e->ipa == rf->run_end && e->pte == rf->next_pte) {
		rf->run_end += e->nr * size;
		rf->next_pte += e->nr * rf->step;
		return;
	}
	flush_run(rf);
	rf->run = entry_val(e->pte, e->level);
	if (rf->run.kind == S2O_UNMAPPED)
		return;
	rf->level = e->level;
	rf->step = rf->run.kind == S2O_MAPPED ? size : 0;
	rf->run_start = e->ipa;
	rf->run_end = e->ipa + e->nr * size;
	rf->next_pte = e->pte + e->nr * rf->step;
	/* A store into a detached table may name a range a block now covers. */
	if (rf->run_start < rf->start) {
		rf->run.pa += rf->start - rf->run_start;
		rf->run_start = rf->start;
	}
}

/*
 * Walks [start, end) of the live table again into m, through a map kept
 * across calls: one allocated per touched range showed in profiles.
 */
static void refill(struct s2o_imap *m, uint64_t start, uint64_t end)
{
	static _Thread_local struct s2o_imap fresh;
	struct refill rf = { .m = &fresh, .start = start, .end = end };

	s2o_imap_clear(&fresh);
	s2rt_walk_runs(start, end, add_entry, &rf);
	flush_run(&rf);
	s2o_imap_splice(m, start, end, &fresh);
}

void s2o_view_build(struct s2o_imap *m, unsigned int ipa_bits)
{
	s2o_imap_clear(m);
	refill(m, 0, 1ULL << ipa_bits);
}

/* The IPA ranges an op's stores touched, sorted and merged. */
void s2o_touched(const struct s2rt_event *ev, size_t nr,
		 struct s2o_ranges *out)
{
	out->nr = 0;
	for (size_t i = 0; i < nr; i++)
		if (ev[i].kind == S2RT_EV_STORE && s2_level_known(ev[i].level))
			s2o_ranges_add(out, ev[i].ipa,
				       ev[i].ipa + s2_level_size(ev[i].level));
	s2o_ranges_merge(out);
}

void s2o_view_update(struct s2o_imap *m, const uint64_t *touched, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		refill(m, touched[2 * i], touched[2 * i + 1]);
}
