/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Deterministic pseudo-random sequences that stay where bugs live: a few
 * 1G slots, 2M and 1G boundaries, PAs that allow blocks most of the time,
 * every op and every CPU feature combination.
 */
#ifndef S2FUZZ_GEN_H
#define S2FUZZ_GEN_H

#include <stdint.h>

#include "seq.h"

/* The same seed gives the same sequence, on every machine. */
void s2_seq_random(struct s2_seq *seq, uint64_t seed);

#endif /* S2FUZZ_GEN_H */
