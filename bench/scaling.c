// SPDX-License-Identifier: GPL-2.0-only
/*
 * How the cost of one execution scales, on every kernel linked in, the bare
 * API (bench.h) against the harness (s2_run(): the full oracle and the
 * differential), so the oracle's share shows as the difference:
 *
 *  - with the sequence length: the first 8, 32 and 128 ops of the same
 *    generated sequences, so a longer run repeats a shorter one and adds
 *    ops; growth is linear if every added op costs the same;
 *  - with the bytes mapped: map, wrprotect and unmap of 4K, 64K, a 2M
 *    block, a 1G block, and 2M as 512 pages: the oracle's cost should
 *    follow the entries written, not the bytes;
 *  - memory, per case: the peak RSS of one execution and of N, and the
 *    heap that N more leave allocated;
 *  - the events the kernels recorded per execution (stores, TLBIs, CMOs,
 *    ...: what the oracle reads), so that cost can be set against work.
 *
 * Times are CPU time (bench.h), taken in slices that visit every case in
 * turn, so that a slow spell of the machine (it is shared) falls on all
 * cases alike.  No FWB: the kernels clean the data cache over every byte
 * they map, and the oracle checks it.
 * Usage: scaling [SEQS [REPS]]: N = SEQS sequences per length, REPS
 * executions per mapping case.  Prints one line per case under a header.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/gen.h"
#include "bench.h"

#define NR_SEQS 100
#define NR_REPS 200
#define MAX_LEN 128
#define SLICES 10

#define SZ_4K (1ULL << 12)
#define SZ_64K (1ULL << 16)
#define SZ_2M (1ULL << 21)
#define SZ_1G (1ULL << 30)

static const unsigned int lengths[] = { 8, 32, MAX_LEN };

struct size_case {
	const char *name;
	uint64_t size;
	uint64_t pa_offset;	/* PA - IPA: which blocks the map may use */
	const char *entries;	/* leaf entries the map writes */
};

static const struct size_case size_cases[] = {
	{ "map-4K", SZ_4K, SZ_1G, "1" },
	{ "map-64K", SZ_64K, SZ_1G, "16" },
	{ "map-2M-block", SZ_2M, SZ_1G, "1" },
	{ "map-1G-block", SZ_1G, SZ_1G, "1" },
	/* The same bytes as the 2M block, but a PA no block can map. */
	{ "map-2M-as-512x4K", SZ_2M, SZ_1G + SZ_4K, "512" },
};

#define NR_LENGTHS (sizeof(lengths) / sizeof(lengths[0]))
#define NR_SIZES (sizeof(size_cases) / sizeof(size_cases[0]))

struct bench_case {
	char name[24];
	const char *entries;
	struct s2_seq *seqs;	/* each run as its first ops ops */
	unsigned int nr_seqs;
	unsigned int ops;
	unsigned int execs;	/* N: timed executions, bare and harness */
	unsigned int next;	/* the next sequence to run */
	double bare_s, harness_s;
	double events;		/* the kernels recorded, over the N */
	long peak_one, peak_n;	/* peak RSS (KiB) of 1 and of N executions */
	size_t heap;		/* allocated after those, in bytes */
	double heap_left;	/* bytes per execution, over N more */
};

/* The peak RSS of this program since the last reset_peak(), in KiB. */
static long peak_rss(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long kib = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/*
 * Linux resets the peak RSS on "5" to clear_refs; were it refused, the
 * peaks would only count from the start, which is still an upper bound.
 */
static void reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");

	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/*
 * Is op at most the entry budget's share of a MAX_LEN-op sequence?  Asked
 * of the budget itself (s2_seq_encode() keeps what fits): MAX_LEN copies of
 * it must fit.  Drawing only such ops gives every length the same mix, and
 * keeps each sequence a valid fuzz input.
 */
static bool cheap(const struct s2_op *op, unsigned int ipa_bits)
{
	static uint8_t bin[S2_BIN_HEADER + MAX_LEN * S2_BIN_RECORD];
	static struct s2_seq probe;

	s2_seq_init(&probe);
	probe.ipa_bits = ipa_bits;
	for (probe.nr_ops = 0; probe.nr_ops < MAX_LEN; probe.nr_ops++)
		probe.ops[probe.nr_ops] = *op;
	return s2_seq_encode(&probe, bin, sizeof(bin)) == sizeof(bin);
}

static void make_seq(struct s2_seq *seq, uint64_t seed)
{
	struct s2_rng r;

	s2_rng_init(&r, seed);
	s2_seq_init(seq);
	seq->features = seed % 4;
	while (seq->nr_ops < MAX_LEN) {
		s2_op_random(&r, &seq->ops[seq->nr_ops], seq->ipa_bits);
		if (cheap(&seq->ops[seq->nr_ops], seq->ipa_bits))
			seq->nr_ops++;
	}
}

static void make_map_seq(struct s2_seq *seq, const struct size_case *c)
{
	const uint64_t ipa = SZ_1G;
	const struct s2_op ops[] = {
		{ .kind = S2_OP_MAP, .ipa = ipa, .size = c->size,
		  .pa = ipa + c->pa_offset, .prot = S2_PROT_R | S2_PROT_W },
		{ .kind = S2_OP_WRPROTECT, .ipa = ipa, .size = c->size },
		{ .kind = S2_OP_UNMAP, .ipa = ipa, .size = c->size },
	};

	s2_seq_init(seq);
	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		seq->ops[seq->nr_ops++] = ops[i];
}

static const struct s2_seq *next_seq(struct bench_case *c)
{
	struct s2_seq *seq = &c->seqs[c->next++ % c->nr_seqs];

	seq->nr_ops = c->ops;
	return seq;
}

static void run_harness(const struct s2_seq *seq)
{
	const struct s2_run_opts opts = { .strict = s2_registry_strict };

	s2_run(s2_registry, s2_registry_size, seq, &opts, NULL);
}

/* n executions bare, then the same n through the harness, timed. */
static int run_slice(struct bench_case *c, unsigned int n)
{
	unsigned int first = c->next;
	double t0 = bench_now();

	for (unsigned int i = 0; i < n; i++) {
		long events = bench_run_bare(next_seq(c));

		if (events < 0)
			return -1;
		c->events += events;
	}
	c->bare_s += bench_now() - t0;
	c->next = first;
	t0 = bench_now();
	for (unsigned int i = 0; i < n; i++)
		run_harness(next_seq(c));
	c->harness_s += bench_now() - t0;
	return 0;
}

/*
 * After the timed runs, one case at a time: the peak RSS of one execution
 * and of N, then the heap N more leave behind (the first N may still grow
 * caches to their size).
 */
static void measure_memory(struct bench_case *c)
{
	reset_peak();
	run_harness(next_seq(c));
	c->peak_one = peak_rss();
	reset_peak();
	for (unsigned int i = 0; i < c->execs; i++)
		run_harness(next_seq(c));
	c->peak_n = peak_rss();
	c->heap = heap_in_use();
	for (unsigned int i = 0; i < c->execs; i++)
		run_harness(next_seq(c));
	c->heap_left = ((double)heap_in_use() - c->heap) / c->execs;
}

int main(int argc, char **argv)
{
	unsigned int nr_seqs = argc > 1 ? atoi(argv[1]) : NR_SEQS;
	unsigned int reps = argc > 2 ? atoi(argv[2]) : NR_REPS;
	struct s2_seq *seqs = calloc(nr_seqs + NR_SIZES, sizeof(*seqs));
	struct bench_case cases[NR_LENGTHS + NR_SIZES], *c;
	unsigned int nr = 0;

	if (!seqs || !nr_seqs || !reps) {
		fprintf(stderr, "usage: scaling [SEQS [REPS]] (both >= 1)\n");
		return 2;
	}
	for (unsigned int i = 0; i < nr_seqs; i++)
		make_seq(&seqs[i], i + 1);
	for (unsigned int l = 0; l < NR_LENGTHS; l++, nr++) {
		cases[nr] = (struct bench_case){ .entries = "-", .seqs = seqs,
			.nr_seqs = nr_seqs, .ops = lengths[l],
			.execs = nr_seqs };
		snprintf(cases[nr].name, sizeof(cases[nr].name), "length-%u",
			 lengths[l]);
	}
	for (unsigned int s = 0; s < NR_SIZES; s++, nr++) {
		make_map_seq(&seqs[nr_seqs + s], &size_cases[s]);
		cases[nr] = (struct bench_case){
			.entries = size_cases[s].entries,
			.seqs = &seqs[nr_seqs + s], .nr_seqs = 1,
			.ops = seqs[nr_seqs + s].nr_ops, .execs = reps };
		strcpy(cases[nr].name, size_cases[s].name);
	}
	for (unsigned int slice = 0; slice < SLICES; slice++)
		for (c = cases; c < cases + nr; c++)
			if (run_slice(c, c->execs / SLICES +
					 (slice < c->execs % SLICES)))
				goto failed;
	for (c = cases; c < cases + nr; c++)
		measure_memory(c);
	printf("# %u kernels; CPU time in us per execution, peak RSS in KiB, "
	       "heap in bytes\n", s2_registry_size);
	printf("%-18s %4s %7s %6s %8s %11s %11s %8s %8s %10s %10s\n",
	       "case", "ops", "entries", "execs", "events", "bare-us",
	       "harness-us", "peak-1", "peak-N", "heap-N", "heap-left");
	for (c = cases; c < cases + nr; c++)
		printf("%-18s %4u %7s %6u %8.0f %11.1f %11.1f %8ld %8ld %10zu "
		       "%10.1f\n", c->name, c->ops, c->entries, c->execs,
		       c->events / c->execs, c->bare_s * 1e6 / c->execs,
		       c->harness_s * 1e6 / c->execs, c->peak_one, c->peak_n,
		       c->heap, c->heap_left);
	free(seqs);
	return 0;
failed:
	fprintf(stderr, "scaling: a kernel could not create its table\n");
	return 1;
}
