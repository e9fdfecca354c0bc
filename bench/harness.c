// SPDX-License-Identifier: GPL-2.0-only
/*
 * The harness against the bare API, on the same sequences in the same run:
 * (a) each op through the target ABI on every kernel linked in, nothing
 * checked (the shim still records its events, as it must for (b)); (b) the
 * same sequences through s2_run(), the full oracle and the differential.
 *
 * Sequences are the generator's ops, NR_OPS each, kept only if they fit
 * the fuzzers' entry budget (what a fuzz input can be); or, with --file,
 * one sequence of the op language, run NR_SEQS times.  Times are CPU time
 * (bench.h), taken in slices that alternate (a) and (b), so that a slow
 * spell of the machine (it is shared) falls on both alike.
 * Usage: harness [--file FILE] [NR_SEQS [NR_OPS]].  Prints execs/s of each
 * and ops/s, and "ratio harness/bare: X".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/file.h"
#include "../fuzz/gen.h"
#include "bench.h"

#define NR_SEQS 2000
#define NR_OPS 16
#define SLICES 10

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

/* The sequence of the op-language file at path; exits 2 if it has none. */
static void read_seq(const char *path, struct s2_seq *seq)
{
	char err[256];

	if (s2_seq_read(path, seq, err, sizeof(err))) {
		fprintf(stderr, "harness: %s\n", err);
		exit(2);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: harness [--file FILE] [NR_SEQS [NR_OPS <= %d]]\n",
		S2_MAX_OPS);
	exit(2);
}

int main(int argc, char **argv)
{
	struct s2_run_opts opts = { .strict = s2_registry_strict };
	const char *file = NULL;
	unsigned int nr_seqs = NR_SEQS, nr_ops = NR_OPS, nr_distinct;
	struct s2_seq *seqs;
	double bare = 0, harness = 0;

	if (argc > 2 && !strcmp(argv[1], "--file")) {
		file = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc > 1)
		nr_seqs = atoi(argv[1]);
	if (argc > 2)
		nr_ops = atoi(argv[2]);
	if (!nr_seqs || !nr_ops || nr_ops > S2_MAX_OPS || argc > 3)
		usage();
	nr_distinct = file ? 1 : nr_seqs;
	seqs = calloc(nr_distinct, sizeof(*seqs));
	if (!seqs)
		return 1;
	if (file)
		read_seq(file, &seqs[0]);
	else
		for (unsigned int i = 0; i < nr_seqs; i++)
			make_seq(&seqs[i], i + 1, nr_ops);
	nr_ops = seqs[0].nr_ops;
	for (unsigned int slice = 0; slice < SLICES; slice++) {
		unsigned int first = slice * nr_seqs / SLICES;
		unsigned int end = (slice + 1) * nr_seqs / SLICES;
		double t0 = bench_now();

		for (unsigned int i = first; i < end; i++)
			if (bench_run_bare(&seqs[i % nr_distinct]) < 0) {
				fprintf(stderr, "sequence %u: init failed\n",
					i);
				return 1;
			}
		bare += bench_now() - t0;
		t0 = bench_now();
		for (unsigned int i = first; i < end; i++)
			s2_run(s2_registry, s2_registry_size,
			       &seqs[i % nr_distinct], &opts, NULL);
		harness += bench_now() - t0;
	}
	printf("%u kernels, %u %s of %u ops\n", s2_registry_size, nr_seqs,
	       file ? "runs of a sequence" : "sequences", nr_ops);
	printf("bare:    %8.0f execs/s  %9.0f ops/s\n", nr_seqs / bare,
	       (double)nr_seqs * nr_ops * s2_registry_size / bare);
	printf("harness: %8.0f execs/s  %9.0f ops/s\n", nr_seqs / harness,
	       (double)nr_seqs * nr_ops * s2_registry_size / harness);
	printf("ratio harness/bare: %.3f\n", bare / harness);
	free(seqs);
	return 0;
}
