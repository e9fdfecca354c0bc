// SPDX-License-Identifier: GPL-2.0-only
/*
 * The harness against the bare API, on the same sequences in the same run:
 * (a) each op through the target ABI on every kernel linked in, nothing
 * checked (the shim still records its events, as it must for (b)); (b) the
 * same sequences through s2_run(), the full oracle and the differential.
 *
 * Sequences are the generator's ops, NR_OPS each, kept only if they fit
 * the fuzzers' entry budget (what a fuzz input can be).
 * Usage: harness [NR_SEQS [NR_OPS]].  Prints execs/s of each and ops/s
 * (per second of CPU time, bench.h), and "ratio harness/bare: X".
 */
#include <stdio.h>
#include <stdlib.h>

#include "../fuzz/gen.h"
#include "bench.h"

#define NR_SEQS 2000
#define NR_OPS 16

/* A generated sequence of nr ops that the entry budget keeps whole. */
static void make_seq(struct s2_seq *seq, uint64_t seed, unsigned int nr)
{
	static uint8_t bin[S2_BIN_HEADER + S2_MAX_OPS * S2_BIN_RECORD];
	struct s2_rng r;

	for (;; seed += 1ULL << 32) {
		s2_rng_init(&r, seed);
		s2_seq_init(seq);
		seq->features = seed % 4;
		while (seq->nr_ops < nr)
			s2_op_random(&r, &seq->ops[seq->nr_ops++],
				     seq->ipa_bits);
		if (s2_seq_encode(seq, bin, sizeof(bin)) ==
		    S2_BIN_HEADER + nr * S2_BIN_RECORD)
			return;
	}
}

int main(int argc, char **argv)
{
	unsigned int nr_seqs = argc > 1 ? atoi(argv[1]) : NR_SEQS;
	unsigned int nr_ops = argc > 2 ? atoi(argv[2]) : NR_OPS;
	struct s2_run_opts opts = { .strict = s2_registry_strict };
	struct s2_seq *seqs = calloc(nr_seqs, sizeof(*seqs));
	double t0, bare, harness;

	if (!seqs || !nr_seqs || !nr_ops || nr_ops > S2_MAX_OPS) {
		fprintf(stderr, "usage: harness [NR_SEQS [NR_OPS <= %d]]\n",
			S2_MAX_OPS);
		return 2;
	}
	for (unsigned int i = 0; i < nr_seqs; i++)
		make_seq(&seqs[i], i + 1, nr_ops);
	t0 = bench_now();
	for (unsigned int i = 0; i < nr_seqs; i++)
		if (bench_run_bare(&seqs[i])) {
			fprintf(stderr, "sequence %u: init failed\n", i);
			return 1;
		}
	bare = bench_now() - t0;
	t0 = bench_now();
	for (unsigned int i = 0; i < nr_seqs; i++)
		s2_run(s2_registry, s2_registry_size, &seqs[i], &opts, NULL);
	harness = bench_now() - t0;
	printf("%u kernels, %u sequences of %u ops\n", s2_registry_size,
	       nr_seqs, nr_ops);
	printf("bare:    %8.0f execs/s  %9.0f ops/s\n", nr_seqs / bare,
	       (double)nr_seqs * nr_ops * s2_registry_size / bare);
	printf("harness: %8.0f execs/s  %9.0f ops/s\n", nr_seqs / harness,
	       (double)nr_seqs * nr_ops * s2_registry_size / harness);
	printf("ratio harness/bare: %.3f\n", bare / harness);
	free(seqs);
	return 0;
}
