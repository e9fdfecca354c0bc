/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Deterministic pseudo-random sequences that stay where bugs live: a few
 * 1G slots, 2M and 1G boundaries, PAs that allow blocks most of the time,
 * every op and every CPU feature combination, and now and then a concurrent
 * section of vCPU faults with a schedule.
 */
#ifndef S2FUZZ_GEN_H
#define S2FUZZ_GEN_H

#include <stdint.h>

#include "seq.h"

/* xorshift64*: the same stream from the same seed, on every machine. */
struct s2_rng {
	uint64_t s;
};

void s2_rng_init(struct s2_rng *r, uint64_t seed);
uint64_t s2_rng_next(struct s2_rng *r);
/* In [0, n); n > 0. */
uint64_t s2_rng_below(struct s2_rng *r, uint64_t n);

/* One op in the places s2_seq_random favours, valid for ipa_bits. */
void s2_op_random(struct s2_rng *r, struct s2_op *op, unsigned int ipa_bits);

/* A PCT schedule: a random seed and, mostly, few change points. */
void s2_pct_random(struct s2_rng *r, struct s2_schedule *s);

/* The same seed gives the same sequence, on every machine. */
void s2_seq_random(struct s2_seq *seq, uint64_t seed);

#endif /* S2FUZZ_GEN_H */
