/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reference model's plan of one op, inside the oracle: model.c judges
 * an op against it, linearize.c chains plans along the serializations of a
 * concurrent section.  fuzz/ sees only oracle.h.
 */
#ifndef S2FUZZ_MODEL_H
#define S2FUZZ_MODEL_H

#include "oracle.h"

/* What the model allows of one op, given the mapping before it. */
struct s2o_plan {
	struct s2o_imap expect;	/* the primary outcome */
	const struct s2o_imap *alt;	/* the other allowed one: expect, or
					 * the mapping before if partial */
	struct s2o_imap torn;	/* leaves a map walk broke: break_leaf() */
	bool partial;		/* alt is the mapping before: the op may have
				 * stopped part-way, each address old or new */
	uint64_t start, end;	/* every address the op may change */
	uint64_t lo, hi;	/* outside, expect holds nothing: the op's
				 * reach on this mapping, touched ranges too */
	int rc[3];		/* the return codes allowed */
	unsigned int nr_rc;
};

/*
 * The most an op can reach whatever the mapping (a plan's [lo, hi) is
 * inside): the 1G slots of its range, and info->touched.
 */
void s2o_model_hull(const struct s2o_opinfo *info, uint64_t *lo, uint64_t *hi);

/*
 * Plans info->op, which returned info->rc, on info->before, for a kernel
 * with info->ipa_bits; alloc_failed: its memcache ran dry.  p's maps are
 * cleared and refilled, so one plan serves op after op (s2o_imap_free them
 * at the end); a zeroed plan is an empty one.
 */
void s2o_model_plan(const struct s2o_opinfo *info, bool alloc_failed,
		    struct s2o_plan *p);
bool s2o_plan_allows(const struct s2o_plan *p, int rc);
/* The return codes p allows: "0 or -EAGAIN". */
const char *s2o_plan_rcs(const struct s2o_plan *p, char *buf, size_t len);

/*
 * The leaves holding the piece [*start, *end) of a mapping, v being its
 * value at *start: an interval may be a clipped part of a leaf (view.c
 * walks again only what stores touched) or a run of leaves (imap.h), so
 * the extent comes from the level.  Returns v with the PA at the new
 * *start.
 */
struct s2o_val s2o_leaf_span(const struct s2o_val *v, uint64_t *start,
			     uint64_t *end);

/* [*start, *end) widened to the whole leaves of before at either end. */
void s2o_whole_leaves(const struct s2o_imap *before, uint64_t *start,
		      uint64_t *end);

/*
 * Does got read as want, an expectation (whose access flag may be
 * S2O_YOUNG_ANY)?  *field names the first difference.
 */
bool s2o_val_matches(const struct s2o_val *want, const struct s2o_val *got,
		     const char **field);

#endif /* S2FUZZ_MODEL_H */
