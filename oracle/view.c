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

struct refill {
	struct s2o_imap *m;
	uint64_t start, end;
};

static void add_entry(const struct s2_entry *e, void *arg)
{
	struct refill *rf = arg;
	struct s2o_val v = entry_val(e->pte, e->level);
	uint64_t start = e->ipa, end = e->ipa + s2_level_size(e->level);

	if (v.kind == S2O_UNMAPPED)
		return;
	/* A store into a detached table may name a range a block now covers. */
	if (start < rf->start) {
		v.pa += rf->start - start;
		start = rf->start;
	}
	if (end > rf->end)
		end = rf->end;
	s2o_imap_set(rf->m, start, end, &v);
}

/*
 * Walks [start, end) of the live table again into m, through a map kept
 * across calls: one allocated per touched range showed in profiles.
 */
static void refill(struct s2o_imap *m, uint64_t start, uint64_t end)
{
	static _Thread_local struct s2o_imap fresh;
	struct refill rf = { &fresh, start, end };

	s2o_imap_clear(&fresh);
	s2rt_walk_range(start, end, add_entry, &rf);
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
		if (ev[i].kind == S2RT_EV_STORE && ev[i].level >= 0 &&
		    ev[i].level <= S2_LAST_LEVEL)
			s2o_ranges_add(out, ev[i].ipa,
				       ev[i].ipa + s2_level_size(ev[i].level));
	s2o_ranges_merge(out);
}

void s2o_view_update(struct s2o_imap *m, const uint64_t *touched, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		refill(m, touched[2 * i], touched[2 * i + 1]);
}
