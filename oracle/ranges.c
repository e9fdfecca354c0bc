// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lists of IPA ranges: what an op touched, and what the checkers compare.
 * A list keeps its buffer from one op to the next: allocating one per op
 * showed in profiles.
 */
#include <stdlib.h>

#include "oracle.h"

void s2o_ranges_push(struct s2o_ranges *rl, uint64_t start, uint64_t end)
{
	if (rl->nr == rl->cap) {
		rl->cap = rl->cap ? 2 * rl->cap : 16;
		rl->r = realloc(rl->r, 2 * rl->cap * sizeof(*rl->r));
		if (!rl->r)
			abort();
	}
	rl->r[2 * rl->nr] = start;
	rl->r[2 * rl->nr + 1] = end;
	rl->nr++;
}

static int by_start(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

void s2o_ranges_merge(struct s2o_ranges *rl)
{
	uint64_t *r = rl->r;
	size_t merged = 0;

	s2o_sort(r, rl->nr, 2 * sizeof(*r), by_start);
	for (size_t i = 0; i < rl->nr; i++) {
		if (merged && r[2 * i] <= r[2 * merged - 1]) {
			if (r[2 * i + 1] > r[2 * merged - 1])
				r[2 * merged - 1] = r[2 * i + 1];
			continue;
		}
		r[2 * merged] = r[2 * i];
		r[2 * merged + 1] = r[2 * i + 1];
		merged++;
	}
	rl->nr = merged;
}

void s2o_ranges_union(struct s2o_ranges *out, const uint64_t *a, size_t na,
		      const uint64_t *b, size_t nb)
{
	size_t i = 0, j = 0;

	out->nr = 0;
	while (i < na || j < nb) {
		const uint64_t *r = j == nb || (i < na && a[2 * i] <= b[2 * j]) ?
					    &a[2 * i++] : &b[2 * j++];

		s2o_ranges_add(out, r[0], r[1]);
	}
	/* Added in order, and each that meets the last grew it: merged. */
}
