// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of fuzz/mutate.c, the structure-aware mutator, and of the
 * generator API it reuses from fuzz/gen.c.  The mutator's outputs must be
 * canonical encodings that the text form reproduces exactly, and each kind
 * of mutation must actually happen.
 */
#include <stdlib.h>

#include "check.h"
#include "gen.h"
#include "mutate.h"
#include "seq.h"

#define MAX_BIN S2_BIN_MAX
#define SZ_4K (1ULL << 12)
#define SZ_2M (1ULL << 21)
#define SZ_1G (1ULL << 30)
/* Mutations per behaviour test; each kind must show in a few of them. */
#define TRIES 2000
#define SOME (TRIES / 200)

static struct s2_seq in_seq, out_seq, tmp_seq, b_seq;
static uint8_t buf[MAX_BIN + 64], in_buf[MAX_BIN], b_buf[MAX_BIN];
static uint8_t again[MAX_BIN];
static char err_buf[256];

/* Five ops, none on a 2M boundary, none at its neighbour's end. */
static const char base_text[] =
	"map 0x40001000 8K 0x80003000 rw\n"
	"unmap 0x40005000 8K\n"
	"fault 0x40009000 r\n"
	"map 0x4000d000 8K 0x80010000 r\n"
	"owner 0x40013000 8K 1\n";

static void parse_ok(const char *text, struct s2_seq *seq)
{
	err_buf[0] = '\0';
	if (s2_seq_parse(text, "test.s2", seq, err_buf, sizeof(err_buf)))
		fprintf(stderr, "unexpected parse error: %s\n", err_buf);
	CHECK_EQ_STR(err_buf, "");
}

static bool op_eq(const struct s2_op *a, const struct s2_op *b)
{
	return a->kind == b->kind && a->prot == b->prot &&
	       a->page == b->page && a->count == b->count &&
	       a->ipa == b->ipa && a->size == b->size && a->pa == b->pa;
}

static bool has_size(const struct s2_op *op)
{
	return op->kind != S2_OP_FAULT && op->kind != S2_OP_RELAX &&
	       op->kind != S2_OP_MKYOUNG && op->kind != S2_OP_MEMCACHE;
}

/* The bytes re-encode to themselves: a canonical, valid encoding. */
static bool is_canonical(const uint8_t *data, size_t n)
{
	if (n < S2_BIN_HEADER || (n - S2_BIN_HEADER) % S2_BIN_RECORD)
		return false;
	s2_seq_decode(data, n, &tmp_seq);
	return s2_seq_encode(&tmp_seq, again, sizeof(again)) == n &&
	       !memcmp(again, data, n);
}

/* The bytes print to text that parses back to the same bytes. */
static bool replays_as_text(const uint8_t *data, size_t n)
{
	FILE *f = check_capture_start();
	const char *text;

	s2_seq_decode(data, n, &tmp_seq);
	s2_seq_print(&tmp_seq, f);
	text = check_capture_end(f);
	if (s2_seq_parse(text, "replay.s2", &tmp_seq, err_buf,
			 sizeof(err_buf))) {
		fprintf(stderr, "%s\n", err_buf);
		return false;
	}
	return s2_seq_encode(&tmp_seq, again, sizeof(again)) == n &&
	       !memcmp(again, data, n);
}

/* Mutates in with seed; the output is in buf and, decoded, in out_seq. */
static size_t mutate_from(const struct s2_seq *in, unsigned int seed)
{
	size_t n = s2_seq_encode(in, buf, MAX_BIN);

	n = s2_mutate(buf, n, MAX_BIN, seed);
	s2_seq_decode(buf, n, &out_seq);
	return n;
}

/* How many of TRIES mutations of in give an output with pred. */
static unsigned int count_outputs(const struct s2_seq *in,
				  bool (*pred)(const struct s2_seq *in,
					       const struct s2_seq *out))
{
	unsigned int seed, hits = 0;

	for (seed = 1; seed <= TRIES; seed++) {
		mutate_from(in, seed);
		hits += pred(in, &out_seq);
	}
	return hits;
}

enum field { F_IPA, F_SIZE, F_PA, F_PROT };

/* out is in with only field f changed. */
static bool only_changed(const struct s2_op *in, const struct s2_op *out,
			 enum field f)
{
	struct s2_op t = *out;

	switch (f) {
	case F_IPA:
		t.ipa = in->ipa;
		break;
	case F_SIZE:
		t.size = in->size;
		break;
	case F_PA:
		t.pa = in->pa;
		break;
	case F_PROT:
		t.prot = in->prot;
		break;
	}
	return op_eq(in, &t) && !op_eq(in, out);
}

/* FNV-1a of v's bytes, little-endian first. */
static uint64_t fnv1a_u64(uint64_t h, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++, v >>= 8) {
		h ^= v & 0xff;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Where s2_seq_random's concurrent section starts, if it has one. */
static unsigned int section_start(const struct s2_seq *seq)
{
	unsigned int i = 0;

	while (i < seq->nr_ops && seq->ops[i].kind != S2_OP_THREAD)
		i++;
	return i;
}

/*
 * Of the fields, not the encoding: the test is of the generator alone.
 * Only the ops before a concurrent section, which came after them.
 */
static uint64_t hash_seq(const struct s2_seq *seq, uint64_t h)
{
	unsigned int i, nr = section_start(seq);
	const struct s2_op *op;

	h = fnv1a_u64(h, seq->features);
	h = fnv1a_u64(h, seq->ipa_bits);
	h = fnv1a_u64(h, nr);
	for (i = 0; i < nr; i++) {
		op = &seq->ops[i];
		h = fnv1a_u64(h, op->kind);
		h = fnv1a_u64(h, op->prot);
		h = fnv1a_u64(h, op->page);
		h = fnv1a_u64(h, op->count);
		h = fnv1a_u64(h, op->ipa);
		h = fnv1a_u64(h, op->size);
		h = fnv1a_u64(h, op->pa);
	}
	return h;
}

#define FNV_BASIS 0xcbf29ce484222325ULL

/*
 * Recorded from fuzz/gen.c before s2_op_random() and the s2_rng_*() API
 * were split out of it, and before concurrent sections were appended: the
 * e2e tests and saved seeds rely on them.
 */
TEST(test_seq_random_is_unchanged_by_the_generator_api)
{
	static const uint64_t want[] = {
		0xd999b2109fc1d8cdULL, 0x7e25ffebc4702964ULL,
		0xf10f737b3c99217bULL, 0xf9ef09e51cb83c78ULL,
		0x92f756663eaf944dULL,
	};
	uint64_t all = FNV_BASIS;
	unsigned int seed;

	for (seed = 1; seed <= 5; seed++) {
		s2_seq_random(&in_seq, seed);
		CHECK_EQ_U64(hash_seq(&in_seq, FNV_BASIS), want[seed - 1]);
	}
	for (seed = 0; seed < 1000; seed++) {
		s2_seq_random(&in_seq, seed);
		all = hash_seq(&in_seq, all);
	}
	CHECK_EQ_U64(all, 0xa1444433a78d0afdULL);
}

/* thread N, then a fault; the fault. */
static const struct s2_op *section_fault(const struct s2_seq *seq,
					 unsigned int i, unsigned int thread)
{
	if (i + 1 >= seq->nr_ops || seq->ops[i].kind != S2_OP_THREAD ||
	    seq->ops[i].count != thread || seq->ops[i + 1].kind != S2_OP_FAULT)
		return NULL;
	return &seq->ops[i + 1];
}

/* Threads 1 and 2 fault one page or two neighbours; thread 3 the block. */
static bool is_section(const struct s2_seq *seq, unsigned int i)
{
	const struct s2_op *a = section_fault(seq, i, 1);
	const struct s2_op *b = section_fault(seq, i + 2, 2);
	const struct s2_op *c = section_fault(seq, i + 4, 3);

	if (!a || !b || (a->ipa ^ b->ipa) & ~SZ_4K)
		return false;
	if (seq->nr_ops == i + 4)
		return true;
	return c && seq->nr_ops == i + 6 && !c->page &&
	       c->ipa == (a->ipa & ~(SZ_2M - 1));
}

TEST(test_seq_random_appends_concurrent_sections)
{
	unsigned int seed, start, sections = 0, three = 0, bad = 0;
	unsigned int bytes = 0, pct = 0;
	size_t n;

	for (seed = 0; seed < 1000; seed++) {
		s2_seq_random(&in_seq, seed);
		start = section_start(&in_seq);
		n = s2_seq_encode(&in_seq, buf, MAX_BIN);
		bad += !replays_as_text(buf, n);
		if (start == in_seq.nr_ops) {
			bad += in_seq.sched.mode != S2_SCHED_NONE;
			continue;
		}
		sections++;
		bad += !start || !is_section(&in_seq, start);
		three += in_seq.nr_ops == start + 6;
		bytes += in_seq.sched.mode == S2_SCHED_BYTES;
		pct += in_seq.sched.mode == S2_SCHED_PCT;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK(sections > 150 && sections < 350);
	CHECK(three > 50 && bytes > 50 && pct > 50);
}

/* Chains of mutations and crossovers, each output the next input. */
TEST(test_mutate_output_decodes_and_encodes_to_itself)
{
	unsigned int chain, i, bad = 0, empty = 0;
	size_t n, bn;

	for (chain = 1; chain <= 4; chain++) {
		s2_seq_random(&in_seq, chain);
		n = s2_seq_encode(&in_seq, buf, MAX_BIN);
		for (i = 0; i < 2500; i++) {
			if (i % 4 == 3) {
				s2_seq_random(&b_seq, chain * 10000 + i);
				bn = s2_seq_encode(&b_seq, b_buf, MAX_BIN);
				memcpy(in_buf, buf, n);
				n = s2_crossover(in_buf, n, b_buf, bn, buf,
						 MAX_BIN, i);
			} else {
				n = s2_mutate(buf, n, MAX_BIN, chain * i);
			}
			bad += n > MAX_BIN || !is_canonical(buf, n);
			empty += n == S2_BIN_HEADER;
		}
	}
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(empty, 0);
}

TEST(test_mutate_canonicalizes_random_bytes)
{
	unsigned int seed, bad = 0;
	size_t n;

	srand(1);
	for (seed = 0; seed < 1000; seed++) {
		n = S2_BIN_HEADER + rand() % (20 * S2_BIN_RECORD + 3);
		for (size_t i = 0; i < n; i++)
			buf[i] = rand();
		n = s2_mutate(buf, n, MAX_BIN, seed);
		bad += !is_canonical(buf, n);
	}
	CHECK_EQ_U64(bad, 0);
}

TEST(test_mutate_output_replays_exactly_from_text)
{
	unsigned int i, bad = 0;
	size_t n;

	s2_seq_random(&in_seq, 7);
	n = s2_seq_encode(&in_seq, buf, MAX_BIN);
	for (i = 0; i < 2000; i++) {
		n = s2_mutate(buf, n, MAX_BIN, i);
		bad += !replays_as_text(buf, n);
	}
	CHECK_EQ_U64(bad, 0);
}

TEST(test_mutate_never_exceeds_max_size)
{
	static const size_t sizes[] = { 4, 5, 19, 20, 21, 36, 52, 100, 1000 };
	unsigned int i, seed;
	size_t n;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (seed = 0; seed < 300; seed++) {
			s2_seq_random(&in_seq, seed);
			n = s2_seq_encode(&in_seq, buf, MAX_BIN);
			if (n > sizes[i])
				n = sizes[i];
			n = s2_mutate(buf, n, sizes[i], seed);
			CHECK(n <= sizes[i]);
			CHECK(is_canonical(buf, n));
			/* A record fits: the output has one. */
			if (sizes[i] >= S2_BIN_HEADER + S2_BIN_RECORD)
				CHECK(n > S2_BIN_HEADER);
		}
	}
}

TEST(test_mutate_leaves_input_when_no_header_fits)
{
	uint8_t data[3] = { 1, 2, 3 };

	CHECK_EQ_U64(s2_mutate(data, 3, 3, 1), 3);
	CHECK_EQ_U64(s2_mutate(data, 3, 2, 1), 2);
	CHECK_EQ_U64(s2_mutate(data, 0, 0, 1), 0);
	CHECK(data[0] == 1 && data[1] == 2 && data[2] == 3);
}

TEST(test_mutate_never_exceeds_max_ops)
{
	unsigned int i, seed;
	size_t n;

	s2_seq_init(&in_seq);
	for (i = 0; i < S2_MAX_OPS; i++)
		in_seq.ops[in_seq.nr_ops++] = (struct s2_op){
			.kind = S2_OP_UNMAP, .ipa = i * SZ_4K, .size = SZ_4K };
	for (seed = 0; seed < 500; seed++) {
		n = s2_seq_encode(&in_seq, buf, MAX_BIN);
		n = s2_mutate(buf, n, sizeof(buf), seed);
		CHECK(n <= MAX_BIN);
		s2_seq_decode(buf, n, &out_seq);
		CHECK(out_seq.nr_ops <= S2_MAX_OPS);
	}
}

TEST(test_mutate_gives_empty_input_an_op)
{
	unsigned int seed;
	size_t n;

	for (seed = 0; seed < 200; seed++) {
		memset(buf, 0, S2_BIN_HEADER);
		n = s2_mutate(buf, seed % 2 ? S2_BIN_HEADER : 0, MAX_BIN,
			      seed);
		CHECK(n >= S2_BIN_HEADER + S2_BIN_RECORD);
		CHECK(is_canonical(buf, n));
	}
}

TEST(test_mutate_is_deterministic)
{
	static uint8_t first[MAX_BIN];
	unsigned int seed, differ = 0;
	size_t n, m;

	parse_ok(base_text, &in_seq);
	for (seed = 0; seed < 200; seed++) {
		n = mutate_from(&in_seq, seed);
		memcpy(first, buf, n);
		m = mutate_from(&in_seq, seed);
		CHECK(m == n && !memcmp(first, buf, n));
		/* And the seed matters. */
		m = mutate_from(&in_seq, seed + 1);
		differ += m != n || memcmp(first, buf, n);
	}
	CHECK(differ > 150);
}

static bool grew(const struct s2_seq *in, const struct s2_seq *out)
{
	return out->nr_ops > in->nr_ops;
}

/* By a run: three single deletions in one call are rare. */
static bool shrank_by_a_run(const struct s2_seq *in, const struct s2_seq *out)
{
	return out->nr_ops + 3 <= in->nr_ops;
}

TEST(test_mutate_grows_and_shrinks_op_count)
{
	parse_ok(base_text, &in_seq);
	CHECK(count_outputs(&in_seq, grew) > SOME);
	CHECK(count_outputs(&in_seq, shrank_by_a_run) > SOME);
}

static bool swapped_two(const struct s2_seq *in, const struct s2_seq *out)
{
	unsigned int i, d[3], nd = 0;

	if (in->nr_ops != out->nr_ops)
		return false;
	for (i = 0; i < in->nr_ops && nd < 3; i++)
		if (!op_eq(&in->ops[i], &out->ops[i]))
			d[nd++] = i;
	return nd == 2 && op_eq(&in->ops[d[0]], &out->ops[d[1]]) &&
	       op_eq(&in->ops[d[1]], &out->ops[d[0]]);
}

/* The base ops are all different: two equal ones are a copy. */
static bool duplicated(const struct s2_seq *in, const struct s2_seq *out)
{
	unsigned int i, j;

	if (out->nr_ops != in->nr_ops + 1)
		return false;
	for (i = 0; i < out->nr_ops; i++)
		for (j = i + 1; j < out->nr_ops; j++)
			if (op_eq(&out->ops[i], &out->ops[j]))
				return true;
	return false;
}

TEST(test_mutate_swaps_and_duplicates_ops)
{
	parse_ok(base_text, &in_seq);
	CHECK(count_outputs(&in_seq, swapped_two) > SOME);
	CHECK(count_outputs(&in_seq, duplicated) > SOME);
}

static bool kind_changed(const struct s2_seq *in, const struct s2_seq *out)
{
	unsigned int i;

	if (in->nr_ops != out->nr_ops)
		return false;
	for (i = 0; i < in->nr_ops; i++)
		if (in->ops[i].kind != out->ops[i].kind &&
		    out->ops[i].kind != S2_OP_MEMCACHE &&
		    in->ops[i].ipa == out->ops[i].ipa)
			return true;
	return false;
}

static bool prot_bit_flipped(const struct s2_seq *in, const struct s2_seq *out)
{
	unsigned int i, x;

	for (i = 0; i < in->nr_ops && i < out->nr_ops; i++) {
		x = in->ops[i].prot ^ out->ops[i].prot;
		if (only_changed(&in->ops[i], &out->ops[i], F_PROT) &&
		    !(x & (x - 1)))
			return true;
	}
	return false;
}

static bool page_flag_flipped(const struct s2_seq *in,
			      const struct s2_seq *out)
{
	/* ops[2] of the base is the fault. */
	return in->nr_ops == out->nr_ops &&
	       out->ops[2].kind == S2_OP_FAULT &&
	       out->ops[2].ipa == in->ops[2].ipa &&
	       out->ops[2].page != in->ops[2].page;
}

static bool owner_id_changed(const struct s2_seq *in, const struct s2_seq *out)
{
	/* ops[4] of the base is the owner. */
	return in->nr_ops == out->nr_ops &&
	       out->ops[4].kind == S2_OP_OWNER &&
	       out->ops[4].ipa == in->ops[4].ipa &&
	       out->ops[4].count != in->ops[4].count;
}

TEST(test_mutate_changes_kind_prot_page_and_id)
{
	parse_ok(base_text, &in_seq);
	CHECK(count_outputs(&in_seq, kind_changed) > SOME);
	CHECK(count_outputs(&in_seq, prot_bit_flipped) > SOME);
	CHECK(count_outputs(&in_seq, page_flag_flipped) > SOME);
	CHECK(count_outputs(&in_seq, owner_id_changed) > SOME);
}

static bool ipa_snapped_to_2m(const struct s2_seq *in,
			      const struct s2_seq *out)
{
	unsigned int i;

	for (i = 0; i < in->nr_ops && i < out->nr_ops; i++)
		if (only_changed(&in->ops[i], &out->ops[i], F_IPA) &&
		    !(out->ops[i].ipa % SZ_2M))
			return true;
	return false;
}

static bool ipa_snapped_to_block_end(const struct s2_seq *in,
				     const struct s2_seq *out)
{
	unsigned int i;

	for (i = 0; i < in->nr_ops && i < out->nr_ops; i++)
		if (only_changed(&in->ops[i], &out->ops[i], F_IPA) &&
		    out->ops[i].ipa % SZ_2M == SZ_2M - SZ_4K)
			return true;
	return false;
}

/* An op moved to start where the op before it (which has a size) ends. */
static bool ipa_snapped_to_prev_end(const struct s2_seq *in,
				    const struct s2_seq *out)
{
	const struct s2_op *prev, *op;
	unsigned int i;

	for (i = 1; i < in->nr_ops && i < out->nr_ops; i++) {
		prev = &out->ops[i - 1];
		op = &out->ops[i];
		if (only_changed(&in->ops[i], op, F_IPA) && has_size(prev) &&
		    op->ipa == prev->ipa + prev->size)
			return true;
	}
	return false;
}

TEST(test_mutate_snaps_ipa_to_block_edges_and_neighbours)
{
	parse_ok(base_text, &in_seq);
	CHECK(!ipa_snapped_to_2m(&in_seq, &in_seq));
	CHECK(count_outputs(&in_seq, ipa_snapped_to_2m) > SOME);
	CHECK(count_outputs(&in_seq, ipa_snapped_to_block_end) > SOME);
	CHECK(count_outputs(&in_seq, ipa_snapped_to_prev_end) > SOME);
}

static bool size_snapped_to_2m_edge(const struct s2_seq *in,
				    const struct s2_seq *out)
{
	const struct s2_op *op;
	unsigned int i;

	for (i = 0; i < in->nr_ops && i < out->nr_ops; i++) {
		op = &out->ops[i];
		if (only_changed(&in->ops[i], op, F_SIZE) &&
		    !((op->ipa + op->size) % SZ_2M))
			return true;
	}
	return false;
}

static bool size_snapped_to_block_minus_page(const struct s2_seq *in,
					     const struct s2_seq *out)
{
	unsigned int i;

	for (i = 0; i < in->nr_ops && i < out->nr_ops; i++)
		if (only_changed(&in->ops[i], &out->ops[i], F_SIZE) &&
		    out->ops[i].size == SZ_2M - SZ_4K)
			return true;
	return false;
}

TEST(test_mutate_snaps_size_to_block_sizes_and_edges)
{
	parse_ok(base_text, &in_seq);
	CHECK(count_outputs(&in_seq, size_snapped_to_2m_edge) > SOME);
	CHECK(count_outputs(&in_seq, size_snapped_to_block_minus_page) > SOME);
}

static bool pa_snapped_off_block(const struct s2_seq *in,
				 const struct s2_seq *out)
{
	const struct s2_op *op;
	unsigned int i;

	for (i = 0; i < in->nr_ops && i < out->nr_ops; i++) {
		op = &out->ops[i];
		if (only_changed(&in->ops[i], op, F_PA) &&
		    op->pa == op->ipa + SZ_1G + SZ_4K)
			return true;
	}
	return false;
}

/* ops[3] of the base is the second map: now right after the first. */
static bool pa_snapped_adjacent(const struct s2_seq *in,
				const struct s2_seq *out)
{
	return in->nr_ops == out->nr_ops &&
	       only_changed(&in->ops[3], &out->ops[3], F_PA) &&
	       out->ops[3].pa == out->ops[0].pa + out->ops[0].size;
}

TEST(test_mutate_snaps_map_pa)
{
	parse_ok(base_text, &in_seq);
	CHECK(count_outputs(&in_seq, pa_snapped_off_block) > SOME);
	CHECK(count_outputs(&in_seq, pa_snapped_adjacent) > SOME);
}

static bool fwb_toggled(const struct s2_seq *in, const struct s2_seq *out)
{
	return (in->features ^ out->features) == S2_FEAT_FWB;
}

static bool tlb_range_toggled(const struct s2_seq *in,
			      const struct s2_seq *out)
{
	return (in->features ^ out->features) == S2_FEAT_TLB_RANGE;
}

static bool ipa_bits_changed(const struct s2_seq *in,
			     const struct s2_seq *out)
{
	return in->ipa_bits != out->ipa_bits &&
	       out->ipa_bits >= S2_IPA_BITS_MIN &&
	       out->ipa_bits <= S2_IPA_BITS_MAX;
}

TEST(test_mutate_changes_the_header)
{
	parse_ok(base_text, &in_seq);
	CHECK(count_outputs(&in_seq, fwb_toggled) > SOME);
	CHECK(count_outputs(&in_seq, tlb_range_toggled) > SOME);
	CHECK(count_outputs(&in_seq, ipa_bits_changed) > SOME);
}

/* A smaller IPA space folds every op into it, still valid. */
TEST(test_mutate_fits_ops_to_a_smaller_ipa_space)
{
	unsigned int seed, shrunk = 0;
	size_t n;

	parse_ok("ipa-bits 44\n"
		 "map 0xfffc0000000 1G 0xfffc0000000 rw\n"
		 "unmap 0x80000000000 8192G\n"
		 "mkyoung 0xffffffff000\n", &in_seq);
	for (seed = 0; seed < TRIES; seed++) {
		n = mutate_from(&in_seq, seed);
		if (out_seq.ipa_bits >= 44)
			continue;
		shrunk++;
		CHECK(replays_as_text(buf, n));
	}
	CHECK(shrunk > SOME);
}

static bool memcache_inserted(const struct s2_seq *in,
			      const struct s2_seq *out)
{
	unsigned int i;

	(void)in;
	for (i = 0; i + 1 < out->nr_ops; i++)
		if (out->ops[i].kind == S2_OP_MEMCACHE &&
		    out->ops[i].count <= 3)
			return true;
	return false;
}

/*
 * More often than the random ops that happen to be memcache ones (1 in 20)
 * would make it.
 */
TEST(test_mutate_inserts_memcache_before_an_op)
{
	parse_ok(base_text, &in_seq);
	CHECK(!memcache_inserted(&in_seq, &in_seq));
	CHECK(count_outputs(&in_seq, memcache_inserted) > TRIES / 25);
}

static unsigned int thread_ops(const struct s2_seq *seq)
{
	unsigned int i, n = 0;

	for (i = 0; i < seq->nr_ops; i++)
		n += seq->ops[i].kind == S2_OP_THREAD;
	return n;
}

static bool thread_inserted(const struct s2_seq *in, const struct s2_seq *out)
{
	return thread_ops(out) > thread_ops(in);
}

/* A section of two threads, ops away from the thread ops to move. */
static const char threads_text[] =
	"map 0x40001000 8K 0x80003000 rw\n"
	"unmap 0x40005000 8K\n"
	"fault 0x40009000 r\n"
	"thread 1\n"
	"map 0x4000d000 8K 0x80010000 r\n"
	"owner 0x40013000 8K 1\n"
	"thread 2\n"
	"mkyoung 0x40017000\n"
	"flush 0x4001b000 4K\n";

static bool ops_eq(const struct s2_op *a, const struct s2_op *b,
		   unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!op_eq(&a[i], &b[i]))
			return false;
	return true;
}

/*
 * One op, not a thread op, moved at least two places to just after a
 * thread op, the rest in order (an adjacent swap does not count).
 */
static bool moved_onto_thread(const struct s2_seq *in,
			      const struct s2_seq *out)
{
	const struct s2_op *a = in->ops, *b = out->ops;
	unsigned int lo = 0, hi;

	if (in->nr_ops != out->nr_ops || !in->nr_ops)
		return false;
	hi = in->nr_ops - 1;
	while (lo < hi && op_eq(&a[lo], &b[lo]))
		lo++;
	while (hi > lo && op_eq(&a[hi], &b[hi]))
		hi--;
	if (hi < lo + 2)
		return false;
	/* Later: a[lo] lands at hi.  Earlier: a[hi] lands at lo. */
	if (op_eq(&a[lo], &b[hi]) && ops_eq(&a[lo + 1], &b[lo], hi - lo))
		return b[hi].kind != S2_OP_THREAD &&
		       b[hi - 1].kind == S2_OP_THREAD;
	return lo && op_eq(&a[hi], &b[lo]) &&
	       ops_eq(&a[lo], &b[lo + 1], hi - lo) &&
	       b[lo].kind != S2_OP_THREAD && b[lo - 1].kind == S2_OP_THREAD;
}

/*
 * The thread ops stay where they are, and one takes another number: their
 * sum changes, which a swap of two of them would not do.
 */
static bool thread_renumbered(const struct s2_seq *in,
			      const struct s2_seq *out)
{
	unsigned int i, sum_in = 0, sum_out = 0;
	bool t;

	if (in->nr_ops != out->nr_ops)
		return false;
	for (i = 0; i < in->nr_ops; i++) {
		t = in->ops[i].kind == S2_OP_THREAD;
		if (t != (out->ops[i].kind == S2_OP_THREAD))
			return false;
		if (t) {
			sum_in += in->ops[i].count;
			sum_out += out->ops[i].count;
		}
	}
	return sum_in != sum_out;
}

TEST(test_mutate_inserts_and_moves_thread_ops)
{
	parse_ok(base_text, &in_seq);
	CHECK(!thread_inserted(&in_seq, &in_seq));
	CHECK(count_outputs(&in_seq, thread_inserted) > SOME);
	parse_ok(threads_text, &in_seq);
	CHECK(!moved_onto_thread(&in_seq, &in_seq));
	CHECK(count_outputs(&in_seq, moved_onto_thread) > SOME);
	CHECK(count_outputs(&in_seq, thread_renumbered) > SOME);
}

/* Thread numbers stay 0..3 whatever the mutation: the parser's range. */
TEST(test_mutate_keeps_thread_numbers_in_range)
{
	unsigned int seed, i, bad = 0, threads = 0;

	parse_ok(threads_text, &in_seq);
	for (seed = 0; seed < TRIES; seed++) {
		mutate_from(&in_seq, seed);
		for (i = 0; i < out_seq.nr_ops; i++) {
			if (out_seq.ops[i].kind != S2_OP_THREAD)
				continue;
			threads++;
			bad += out_seq.ops[i].count > S2_MAX_THREADS;
		}
	}
	CHECK(threads > TRIES);
	CHECK_EQ_U64(bad, 0);
}

static const char sched_text[] = "schedule 00 11 22 33 44 55 66 77\n";

static bool same_ops(const struct s2_seq *in, const struct s2_seq *out)
{
	return in->nr_ops == out->nr_ops &&
	       ops_eq(in->ops, out->ops, in->nr_ops);
}

static bool sched_byte_flipped(const struct s2_seq *in,
			       const struct s2_seq *out)
{
	const struct s2_schedule *a = &in->sched, *b = &out->sched;
	unsigned int i, diff = 0, x = 0;

	if (b->mode != S2_SCHED_BYTES || a->nr_bytes != b->nr_bytes)
		return false;
	for (i = 0; i < a->nr_bytes; i++)
		if (a->bytes[i] != b->bytes[i]) {
			diff++;
			x = a->bytes[i] ^ b->bytes[i];
		}
	return diff == 1 && !(x & (x - 1));
}

/* b is a with one byte more (inserted) at some place. */
static bool one_byte_more(const struct s2_schedule *a,
			  const struct s2_schedule *b)
{
	unsigned int i = 0;

	if (b->mode != S2_SCHED_BYTES || b->nr_bytes != a->nr_bytes + 1)
		return false;
	while (i < a->nr_bytes && a->bytes[i] == b->bytes[i])
		i++;
	return !memcmp(&a->bytes[i], &b->bytes[i + 1], a->nr_bytes - i);
}

static bool sched_byte_inserted(const struct s2_seq *in,
				const struct s2_seq *out)
{
	return same_ops(in, out) && one_byte_more(&in->sched, &out->sched);
}

static bool sched_byte_deleted(const struct s2_seq *in,
			       const struct s2_seq *out)
{
	return same_ops(in, out) && one_byte_more(&out->sched, &in->sched);
}

static bool sched_to_pct(const struct s2_seq *in, const struct s2_seq *out)
{
	(void)in;
	return out->sched.mode == S2_SCHED_PCT && out->sched.depth >= 1 &&
	       out->sched.depth <= S2_SCHED_MAX_DEPTH;
}

TEST(test_mutate_edits_schedule_bytes)
{
	parse_ok(sched_text, &in_seq);
	parse_ok(base_text, &tmp_seq);
	memcpy(in_seq.ops, tmp_seq.ops, sizeof(tmp_seq.ops[0]) * 5);
	in_seq.nr_ops = 5;
	CHECK(!sched_byte_flipped(&in_seq, &in_seq));
	CHECK(count_outputs(&in_seq, sched_byte_flipped) > SOME);
	CHECK(count_outputs(&in_seq, sched_byte_inserted) > SOME);
	CHECK(count_outputs(&in_seq, sched_byte_deleted) > SOME);
	CHECK(count_outputs(&in_seq, sched_to_pct) > SOME);
	/* From no schedule, an insertion starts one. */
	parse_ok(base_text, &in_seq);
	CHECK(count_outputs(&in_seq, sched_byte_inserted) > SOME);
}

static bool pct_reseeded(const struct s2_seq *in, const struct s2_seq *out)
{
	return sched_to_pct(in, out) && out->sched.seed != in->sched.seed;
}

static bool pct_dropped(const struct s2_seq *in, const struct s2_seq *out)
{
	(void)in;
	return out->sched.mode == S2_SCHED_NONE;
}

TEST(test_mutate_switches_pct_on_and_off)
{
	parse_ok("schedule pct 0x1234 2\n", &in_seq);
	parse_ok(base_text, &tmp_seq);
	memcpy(in_seq.ops, tmp_seq.ops, sizeof(tmp_seq.ops[0]) * 5);
	in_seq.nr_ops = 5;
	CHECK(!pct_dropped(&in_seq, &in_seq));
	CHECK(count_outputs(&in_seq, pct_dropped) > SOME);
	CHECK(count_outputs(&in_seq, pct_reseeded) > SOME);
	parse_ok(base_text, &in_seq);
	CHECK(count_outputs(&in_seq, pct_reseeded) > SOME);
}

/* A full schedule in a small buffer: the ops keep their records. */
TEST(test_mutate_fits_the_schedule_to_a_small_buffer)
{
	unsigned int records, seed, scheduled = 0;
	size_t max, n;

	parse_ok(threads_text, &in_seq);
	for (n = 0; n < S2_SCHED_MAX_BYTES; n++)
		in_seq.sched.bytes[n] = n;
	in_seq.sched.mode = S2_SCHED_BYTES;
	in_seq.sched.nr_bytes = S2_SCHED_MAX_BYTES;
	for (records = 1; records <= 16; records++) {
		max = S2_BIN_HEADER + records * S2_BIN_RECORD;
		for (seed = 0; seed < 100; seed++) {
			n = s2_seq_encode(&in_seq, buf, MAX_BIN);
			n = s2_mutate(buf, n, max, seed);
			CHECK(n <= max);
			CHECK(is_canonical(buf, n));
			CHECK(replays_as_text(buf, n));
			s2_seq_decode(buf, n, &out_seq);
			CHECK(out_seq.nr_ops > 0);
			scheduled += out_seq.sched.mode != S2_SCHED_NONE;
		}
	}
	CHECK(scheduled > 100);
}
/* The parents of the crossover tests: six maps, then six unmaps. */
static void crossover_parents(void)
{
	unsigned int i;

	s2_seq_init(&in_seq);
	in_seq.ipa_bits = 36;
	s2_seq_init(&b_seq);
	b_seq.features = S2_FEAT_FWB;
	for (i = 0; i < 6; i++) {
		in_seq.ops[i] = (struct s2_op){ .kind = S2_OP_MAP,
			.ipa = i * SZ_2M, .size = SZ_4K, .pa = SZ_1G,
			.prot = S2_PROT_R };
		b_seq.ops[i] = (struct s2_op){ .kind = S2_OP_UNMAP,
			.ipa = i * SZ_1G, .size = SZ_2M };
	}
	in_seq.nr_ops = b_seq.nr_ops = 6;
}

/* a's ops 0..na, then a slice of b's, in order. */
static bool is_splice(const struct s2_seq *a, const struct s2_seq *b,
		      const struct s2_seq *out)
{
	unsigned int na = 0, start, i;

	while (na < out->nr_ops && out->ops[na].kind == S2_OP_MAP)
		na++;
	if (!na || na == out->nr_ops)
		return false;
	for (i = 0; i < na; i++)
		if (!op_eq(&a->ops[i], &out->ops[i]))
			return false;
	for (start = 0; start < b->nr_ops; start++)
		if (op_eq(&b->ops[start], &out->ops[na]))
			break;
	for (i = na; i < out->nr_ops; i++)
		if (start + i - na >= b->nr_ops ||
		    !op_eq(&b->ops[start + i - na], &out->ops[i]))
			return false;
	return true;
}

TEST(test_crossover_takes_ops_from_both_parents)
{
	unsigned int seed, from_a = 0, from_b = 0, middle = 0;
	size_t an, bn, n;

	crossover_parents();
	an = s2_seq_encode(&in_seq, in_buf, MAX_BIN);
	bn = s2_seq_encode(&b_seq, b_buf, MAX_BIN);
	for (seed = 0; seed < 500; seed++) {
		n = s2_crossover(in_buf, an, b_buf, bn, buf, MAX_BIN, seed);
		CHECK(is_canonical(buf, n));
		s2_seq_decode(buf, n, &out_seq);
		CHECK(is_splice(&in_seq, &b_seq, &out_seq));
		from_a += out_seq.ipa_bits == 36 && !out_seq.features;
		from_b += out_seq.ipa_bits == 40 &&
			  out_seq.features == S2_FEAT_FWB;
		/* A middle slice: b's last op is not in. */
		middle += !op_eq(&out_seq.ops[out_seq.nr_ops - 1],
				 &b_seq.ops[5]);
	}
	CHECK_EQ_U64(from_a + from_b, 500);
	CHECK(from_a > 100 && from_b > 100);
	CHECK(middle > 50);
}

TEST(test_crossover_shares_a_small_output)
{
	size_t an, bn, n, max = S2_BIN_HEADER + 3 * S2_BIN_RECORD;
	unsigned int seed;

	crossover_parents();
	an = s2_seq_encode(&in_seq, in_buf, MAX_BIN);
	bn = s2_seq_encode(&b_seq, b_buf, MAX_BIN);
	for (seed = 0; seed < 200; seed++) {
		n = s2_crossover(in_buf, an, b_buf, bn, buf, max, seed);
		CHECK(n <= max);
		s2_seq_decode(buf, n, &out_seq);
		CHECK(is_splice(&in_seq, &b_seq, &out_seq));
	}
	CHECK_EQ_U64(s2_crossover(in_buf, an, b_buf, bn, buf, 3, 1), 0);
}

/* b's ops come from a larger IPA space than a's header allows. */
TEST(test_crossover_fits_ops_to_the_chosen_header)
{
	unsigned int seed;
	size_t an, bn, n;

	parse_ok("ipa-bits 32\nunmap 0x0 4K\n", &in_seq);
	parse_ok("ipa-bits 44\nmap 0xfffc0000000 1G 0x0 r\n"
		 "split 0x0 8192G\n", &b_seq);
	an = s2_seq_encode(&in_seq, in_buf, MAX_BIN);
	bn = s2_seq_encode(&b_seq, b_buf, MAX_BIN);
	for (seed = 0; seed < 200; seed++) {
		n = s2_crossover(in_buf, an, b_buf, bn, buf, MAX_BIN, seed);
		CHECK(is_canonical(buf, n));
		CHECK(replays_as_text(buf, n));
	}
}

/* The schedule is part of the header: it comes with the IPA size. */
TEST(test_crossover_takes_the_schedule_with_the_header)
{
	unsigned int seed, bad = 0;
	size_t an, bn, n;

	parse_ok("ipa-bits 36\nschedule pct 5 3\nunmap 0x0 4K\n", &in_seq);
	parse_ok("schedule 01 02\nthread 1\nunmap 0x1000 4K\n", &b_seq);
	an = s2_seq_encode(&in_seq, in_buf, MAX_BIN);
	bn = s2_seq_encode(&b_seq, b_buf, MAX_BIN);
	for (seed = 0; seed < 200; seed++) {
		n = s2_crossover(in_buf, an, b_buf, bn, buf, MAX_BIN, seed);
		s2_seq_decode(buf, n, &out_seq);
		if (out_seq.ipa_bits == 36)
			bad += out_seq.sched.mode != S2_SCHED_PCT ||
			       out_seq.sched.seed != 5;
		else
			bad += out_seq.sched.mode != S2_SCHED_BYTES ||
			       out_seq.sched.nr_bytes != 2;
	}
	CHECK_EQ_U64(bad, 0);
}

/* a: a split at 0 and an unmap; b: a split at 1G and two unmaps. */
static void budget_parents(uint64_t split_size)
{
	s2_seq_init(&in_seq);
	s2_seq_init(&b_seq);
	in_seq.ops[0] = (struct s2_op){ .kind = S2_OP_SPLIT,
					.size = split_size };
	in_seq.ops[1] = (struct s2_op){ .kind = S2_OP_UNMAP, .size = SZ_4K };
	b_seq.ops[0] = in_seq.ops[0];
	b_seq.ops[0].ipa = SZ_1G;
	b_seq.ops[1] = (struct s2_op){ .kind = S2_OP_UNMAP, .ipa = SZ_1G,
				       .size = SZ_4K };
	b_seq.ops[2] = (struct s2_op){ .kind = S2_OP_UNMAP,
				       .ipa = SZ_1G + SZ_2M, .size = SZ_4K };
	in_seq.nr_ops = 2;
	b_seq.nr_ops = 3;
}

static size_t encoded_ops(const struct s2_seq *seq)
{
	return (s2_seq_encode(seq, again, sizeof(again)) - S2_BIN_HEADER) /
	       S2_BIN_RECORD;
}

/*
 * A split size for which the encoder keeps each parent whole, but not
 * a's split followed by b's (it ends a sequence past an entry budget,
 * fuzz/seq.h); 0 if there is none.
 */
static uint64_t split_size_over_budget_together(void)
{
	uint64_t size;

	for (size = SZ_2M; size <= SZ_1G; size += SZ_2M) {
		budget_parents(size);
		if (encoded_ops(&in_seq) != 2 || encoded_ops(&b_seq) != 3)
			return 0;
		in_seq.ops[1] = b_seq.ops[0];
		if (encoded_ops(&in_seq) == 1)
			return size;
	}
	return 0;
}

/* b's split must shrink, rather than end the output before b's ops. */
TEST(test_crossover_keeps_b_when_the_parents_cost_too_much_together)
{
	uint64_t size = split_size_over_budget_together();
	unsigned int seed, i, from_b;
	size_t an, bn, n;

	budget_parents(size ? size : SZ_2M);
	an = s2_seq_encode(&in_seq, in_buf, MAX_BIN);
	bn = s2_seq_encode(&b_seq, b_buf, MAX_BIN);
	CHECK_EQ_U64(an, S2_BIN_HEADER + 2 * S2_BIN_RECORD);
	CHECK_EQ_U64(bn, S2_BIN_HEADER + 3 * S2_BIN_RECORD);
	for (seed = 0; seed < 200; seed++) {
		n = s2_crossover(in_buf, an, b_buf, bn, buf, MAX_BIN, seed);
		CHECK(is_canonical(buf, n));
		s2_seq_decode(buf, n, &out_seq);
		for (i = from_b = 0; i < out_seq.nr_ops; i++)
			from_b += out_seq.ops[i].ipa >= SZ_1G;
		CHECK(from_b > 0);
	}
}

int main(void)
{
	RUN(test_seq_random_is_unchanged_by_the_generator_api);
	RUN(test_seq_random_appends_concurrent_sections);
	RUN(test_mutate_output_decodes_and_encodes_to_itself);
	RUN(test_mutate_canonicalizes_random_bytes);
	RUN(test_mutate_output_replays_exactly_from_text);
	RUN(test_mutate_never_exceeds_max_size);
	RUN(test_mutate_leaves_input_when_no_header_fits);
	RUN(test_mutate_never_exceeds_max_ops);
	RUN(test_mutate_gives_empty_input_an_op);
	RUN(test_mutate_is_deterministic);
	RUN(test_mutate_grows_and_shrinks_op_count);
	RUN(test_mutate_swaps_and_duplicates_ops);
	RUN(test_mutate_changes_kind_prot_page_and_id);
	RUN(test_mutate_snaps_ipa_to_block_edges_and_neighbours);
	RUN(test_mutate_snaps_size_to_block_sizes_and_edges);
	RUN(test_mutate_snaps_map_pa);
	RUN(test_mutate_changes_the_header);
	RUN(test_mutate_fits_ops_to_a_smaller_ipa_space);
	RUN(test_mutate_inserts_memcache_before_an_op);
	RUN(test_mutate_inserts_and_moves_thread_ops);
	RUN(test_mutate_keeps_thread_numbers_in_range);
	RUN(test_mutate_edits_schedule_bytes);
	RUN(test_mutate_switches_pct_on_and_off);
	RUN(test_mutate_fits_the_schedule_to_a_small_buffer);
	RUN(test_crossover_takes_ops_from_both_parents);
	RUN(test_crossover_takes_the_schedule_with_the_header);
	RUN(test_crossover_shares_a_small_output);
	RUN(test_crossover_fits_ops_to_the_chosen_header);
	RUN(test_crossover_keeps_b_when_the_parents_cost_too_much_together);
	return check_summary();
}
