// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mutations that keep a test case meaningful.  Byte flips of the binary
 * form mostly land on folded, random addresses; these edit whole ops or one
 * field, and move addresses to where the page-table code changes shape:
 * block edges, a neighbour's IPA or end, a PA that allows or forbids blocks.
 * Concurrent sections come and go with thread ops, and their schedule is
 * edited byte by byte or swapped for PCT.
 *
 * Every result is clamped to what the text parser accepts and encoded
 * canonically, so a finding replays exactly from its text reproducer.
 */
#include <string.h>

#include "gen.h"
#include "mutate.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SZ_4K (1ULL << 12)
#define SZ_2M (1ULL << 21)
#define SZ_1G (1ULL << 30)
#define ALIGN_DOWN(x, a) ((x) & ~((a) - 1))
#define PA_TOP (1ULL << S2_PA_BITS)

/* The fields each op has, from the op table. */
#define ARG_NONE 0
#define ARG_IPA 0x01
#define ARG_SIZE 0x02
#define ARG_PA 0x04
#define ARG_PROT 0x08
#define ARG_PAGE 0x10
#define ARG_ID 0x20
#define ARG_COUNT 0x40
#define ARG_N 0x80

static const uint8_t op_args[S2_OP_COUNT] = {
#define OP_ARGS(e, w, a0, a1, a2, a3, h)                                       \
	[S2_OP_##e] = ARG_##a0 | ARG_##a1 | ARG_##a2 | ARG_##a3,
	S2_OPS(OP_ARGS)
#undef OP_ARGS
};

struct mut {
	struct s2_seq *seq;
	struct s2_rng rng;
	size_t room;		/* records that fit in the output buffer */
	unsigned int max_ops;	/* of them, what ops may take */
};

/* ~16 KiB each: too big for a fuzzer's stack.  Engines are one thread. */
static struct s2_seq seq_a, seq_b;

static uint64_t below(struct mut *m, uint64_t n)
{
	return s2_rng_below(&m->rng, n);
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static bool has(const struct s2_op *op, unsigned int args)
{
	return op_args[op->kind] & args;
}

/*
 * Brings op back into the ranges the text parser accepts under ipa_bits,
 * and zeroes the fields it does not have: decoding gives 0 there, and the
 * op must decode to itself.
 */
static void clamp_op(struct s2_op *op, unsigned int ipa_bits)
{
	uint64_t top = 1ULL << ipa_bits;
	struct s2_op c = { .kind = op->kind % S2_OP_COUNT };

	/* Masking keeps the offset in its block: a 2M edge stays one. */
	if (has(&c, ARG_IPA))
		c.ipa = ALIGN_DOWN(op->ipa & (top - 1), SZ_4K);
	if (has(&c, ARG_SIZE)) {
		c.size = ALIGN_DOWN(op->size, SZ_4K);
		if (!c.size)
			c.size = SZ_4K;
		/* Larger sizes decode to other ones (fuzz/seq.h). */
		c.size = min_u64(min_u64(c.size, top - c.ipa),
				 S2_BIN_SIZE_CAP);
	}
	if (has(&c, ARG_PA)) {
		c.pa = ALIGN_DOWN(op->pa & (PA_TOP - 1), SZ_4K);
		c.pa = min_u64(c.pa, PA_TOP - c.size);
	}
	if (has(&c, ARG_PROT))
		c.prot = op->prot & S2_PROT_MASK;
	if (has(&c, ARG_PAGE))
		c.page = op->page;
	if (has(&c, ARG_ID | ARG_COUNT))
		c.count = op->count;
	/* The decoder folds a thread number so: the op decodes to itself. */
	if (has(&c, ARG_N))
		c.count = op->count % (S2_MAX_THREADS + 1);
	*op = c;
}

/* The caller checks that there is room. */
static void insert_at(struct s2_seq *seq, unsigned int pos,
		      const struct s2_op *op)
{
	memmove(&seq->ops[pos + 1], &seq->ops[pos],
		(seq->nr_ops - pos) * sizeof(*op));
	seq->ops[pos] = *op;
	seq->nr_ops++;
}

static void delete_at(struct s2_seq *seq, unsigned int pos, unsigned int n)
{
	memmove(&seq->ops[pos], &seq->ops[pos + n],
		(seq->nr_ops - pos - n) * sizeof(seq->ops[0]));
	seq->nr_ops -= n;
}

/* A random op with one of args (any op if 0), or -1 if there is none. */
static int pick_op(struct mut *m, unsigned int args)
{
	unsigned int n = m->seq->nr_ops, start, i;

	if (!n)
		return -1;
	start = below(m, n);
	for (i = 0; i < n; i++)
		if (!args || has(&m->seq->ops[(start + i) % n], args))
			return (start + i) % n;
	return -1;
}

/* The nearest op before ops[i] with one of args, or NULL. */
static const struct s2_op *prev_op(const struct s2_seq *seq, unsigned int i,
				   unsigned int args)
{
	while (i--)
		if (has(&seq->ops[i], args))
			return &seq->ops[i];
	return NULL;
}

/* Where an op's range ends; one page for the ops that take no size. */
static uint64_t op_end(const struct s2_op *op)
{
	return op->ipa + (has(op, ARG_SIZE) ? op->size : SZ_4K);
}

static bool insert_random_op(struct mut *m)
{
	struct s2_op op;

	if (m->seq->nr_ops >= m->max_ops)
		return false;
	s2_op_random(&m->rng, &op, m->seq->ipa_bits);
	insert_at(m->seq, below(m, m->seq->nr_ops + 1), &op);
	return true;
}

/* One op or a run of up to 8, e.g. a whole setup step. */
static bool delete_ops(struct mut *m)
{
	struct s2_seq *seq = m->seq;
	unsigned int i;

	if (!seq->nr_ops)
		return false;
	i = below(m, seq->nr_ops);
	delete_at(seq, i, below(m, 2) ? 1 :
			  1 + below(m, min_u(8, seq->nr_ops - i)));
	return true;
}

static bool swap_ops(struct mut *m)
{
	struct s2_seq *seq = m->seq;
	struct s2_op tmp;
	unsigned int i, j;

	if (seq->nr_ops < 2)
		return false;
	i = below(m, seq->nr_ops);
	j = below(m, seq->nr_ops - 1);
	j += j >= i;
	tmp = seq->ops[i];
	seq->ops[i] = seq->ops[j];
	seq->ops[j] = tmp;
	return true;
}

static bool duplicate_op(struct mut *m)
{
	struct s2_op op;

	if (!m->seq->nr_ops || m->seq->nr_ops >= m->max_ops)
		return false;
	op = m->seq->ops[below(m, m->seq->nr_ops)];
	insert_at(m->seq, below(m, m->seq->nr_ops + 1), &op);
	return true;
}

/* Another operation on the same range, e.g. the unmap of what a map did. */
static bool change_kind(struct mut *m)
{
	int i = pick_op(m, 0);
	struct s2_op *op;

	if (i < 0)
		return false;
	op = &m->seq->ops[i];
	/* A map made from another op gets a block-friendly PA, not 0. */
	if (!has(op, ARG_PA))
		op->pa = op->ipa + SZ_1G;
	op->kind = (op->kind + 1 + below(m, S2_OP_COUNT - 1)) % S2_OP_COUNT;
	return true;
}

/*
 * A prot bit, the fault's page flag, or another owner ID / memcache size /
 * thread (clamp_op() folds it): the ops after a thread op change thread.
 */
static bool change_args(struct mut *m)
{
	int i = pick_op(m, ARG_PROT | ARG_ID | ARG_COUNT | ARG_N);
	struct s2_op *op;

	if (i < 0)
		return false;
	op = &m->seq->ops[i];
	if (has(op, ARG_PAGE) && !below(m, 3))
		op->page = !op->page;
	else if (has(op, ARG_PROT))
		op->prot ^= 1u << below(m, 4);
	else
		op->count = below(m, 8) ? below(m, 4) : below(m, 256);
	return true;
}

/* Onto a block edge, or onto the IPA or end of the op before. */
static bool snap_ipa(struct mut *m)
{
	int i = pick_op(m, ARG_IPA);
	uint64_t block = below(m, 2) ? SZ_2M : SZ_1G;
	const struct s2_op *prev;
	struct s2_op *op;

	if (i < 0)
		return false;
	op = &m->seq->ops[i];
	prev = prev_op(m->seq, i, ARG_IPA);
	switch (below(m, prev ? 4 : 2)) {
	case 0:
		op->ipa = ALIGN_DOWN(op->ipa, block);
		break;
	case 1:
		/* The last page of a block: a range from here straddles two. */
		op->ipa = ALIGN_DOWN(op->ipa, block) + block - SZ_4K;
		break;
	case 2:
		op->ipa = prev->ipa;
		break;
	default:
		op->ipa = op_end(prev);
	}
	return true;
}

/* A size around the block sizes, the size before, or up to a block edge. */
static bool snap_size(struct mut *m)
{
	static const uint64_t sizes[] = {
		SZ_4K, 2 * SZ_4K, SZ_2M - SZ_4K, SZ_2M, SZ_2M + SZ_4K,
		2 * SZ_2M, SZ_1G,
	};
	int i = pick_op(m, ARG_SIZE);
	const struct s2_op *prev;
	struct s2_op *op;
	uint64_t block;

	if (i < 0)
		return false;
	op = &m->seq->ops[i];
	prev = prev_op(m->seq, i, ARG_SIZE);
	switch (below(m, prev ? 3 : 2)) {
	case 0:
		op->size = sizes[below(m, ARRAY_SIZE(sizes))];
		break;
	case 1:
		block = below(m, 2) ? SZ_2M : SZ_1G;
		op->size = ALIGN_DOWN(op->ipa, block) + block - op->ipa;
		break;
	default:
		op->size = prev->size;
	}
	return true;
}

/*
 * A map's PA: IPA + 1G keeps IPA and PA congruent, so blocks are allowed;
 * 4K more forbids them; the end of the map before makes the two adjacent.
 */
static bool snap_pa(struct mut *m)
{
	int i = pick_op(m, ARG_PA);
	const struct s2_op *prev;
	struct s2_op *op;

	if (i < 0)
		return false;
	op = &m->seq->ops[i];
	prev = prev_op(m->seq, i, ARG_PA);
	switch (below(m, prev ? 3 : 2)) {
	case 0:
		op->pa = op->ipa + SZ_1G;
		break;
	case 1:
		op->pa = op->ipa + SZ_1G + SZ_4K;
		break;
	default:
		op->pa = prev->pa + prev->size;
	}
	return true;
}

static bool toggle_feature(struct mut *m)
{
	static const unsigned int features[] = { S2_FEAT_FWB,
						 S2_FEAT_TLB_RANGE };

	m->seq->features ^= features[below(m, ARRAY_SIZE(features))];
	return true;
}

/* Another IPA size; finish() then folds the ops into it. */
static bool change_ipa_bits(struct mut *m)
{
	unsigned int n = S2_IPA_BITS_MAX - S2_IPA_BITS_MIN + 1;
	unsigned int cur = m->seq->ipa_bits - S2_IPA_BITS_MIN;

	m->seq->ipa_bits = S2_IPA_BITS_MIN + (cur + 1 + below(m, n - 1)) % n;
	return true;
}

/* The next op's memcache runs short: the allocation failure paths. */
static bool insert_memcache(struct mut *m)
{
	struct s2_op op = { .kind = S2_OP_MEMCACHE, .count = below(m, 4) };

	if (m->seq->nr_ops >= m->max_ops)
		return false;
	insert_at(m->seq, below(m, m->seq->nr_ops ? m->seq->nr_ops : 1), &op);
	return true;
}

/* A concurrent section starts (thread 1..3) or, now and then, ends. */
static bool insert_thread(struct mut *m)
{
	struct s2_op op = { .kind = S2_OP_THREAD };

	if (m->seq->nr_ops >= m->max_ops)
		return false;
	if (below(m, 4))
		op.count = 1 + below(m, S2_MAX_THREADS);
	insert_at(m->seq, below(m, m->seq->nr_ops + 1), &op);
	return true;
}

/* An op moves to just after a thread op: onto that thread, or off it. */
static bool move_to_thread(struct mut *m)
{
	/* Every op but a thread op has some other argument. */
	int i = pick_op(m, (uint8_t)~ARG_N), t = pick_op(m, ARG_N);
	struct s2_op op;

	if (i < 0 || t < 0 || i == t + 1)
		return false;
	op = m->seq->ops[i];
	delete_at(m->seq, i, 1);
	insert_at(m->seq, i < t ? t : t + 1, &op);
	return true;
}

/* Another thread at one scheduling point. */
static bool flip_sched_byte(struct mut *m)
{
	struct s2_schedule *s = &m->seq->sched;

	if (s->mode != S2_SCHED_BYTES)
		return false;
	s->bytes[below(m, s->nr_bytes)] ^= 1u << below(m, 8);
	return true;
}

/* One more scheduling decision; the first one starts a bytes schedule. */
static bool insert_sched_byte(struct mut *m)
{
	struct s2_schedule *s = &m->seq->sched;
	unsigned int pos;

	if (s->mode == S2_SCHED_PCT || s->nr_bytes == S2_SCHED_MAX_BYTES)
		return false;
	s->mode = S2_SCHED_BYTES;
	pos = below(m, s->nr_bytes + 1);
	memmove(&s->bytes[pos + 1], &s->bytes[pos], s->nr_bytes - pos);
	s->bytes[pos] = below(m, 256);
	s->nr_bytes++;
	return true;
}

/* One decision less; without any, the schedule is gone. */
static bool delete_sched_byte(struct mut *m)
{
	struct s2_schedule *s = &m->seq->sched;
	unsigned int pos;

	if (s->mode != S2_SCHED_BYTES)
		return false;
	pos = below(m, s->nr_bytes);
	memmove(&s->bytes[pos], &s->bytes[pos + 1], s->nr_bytes - pos - 1);
	if (!--s->nr_bytes)
		s->mode = S2_SCHED_NONE;
	return true;
}

/* To PCT with a fresh seed, or from it to no schedule. */
static bool toggle_pct(struct mut *m)
{
	struct s2_schedule *s = &m->seq->sched;

	if (s->mode == S2_SCHED_PCT)
		memset(s, 0, sizeof(*s));
	else
		s2_pct_random(&m->rng, s);
	return true;
}

static bool (*const mutations[])(struct mut *m) = {
	insert_random_op, delete_ops, swap_ops, duplicate_op,
	change_kind, change_args, snap_ipa, snap_size, snap_pa,
	toggle_feature, change_ipa_bits, insert_memcache,
	insert_thread, move_to_thread, flip_sched_byte, insert_sched_byte,
	delete_sched_byte, toggle_pct,
};

static void mutate_seq(struct mut *m)
{
	unsigned int n = 1 + below(m, 4);

	/* Some always apply (the header ones), so this ends. */
	while (n)
		if (mutations[below(m, ARRAY_SIZE(mutations))](m))
			n--;
}

/* The schedule gets the records the ops leave: bytes past them go. */
static void fit_schedule(struct mut *m)
{
	struct s2_schedule *s = &m->seq->sched;
	size_t left = m->room - m->seq->nr_ops;

	if (s->mode == S2_SCHED_BYTES &&
	    s->nr_bytes > left * S2_BIN_SCHED_BYTES)
		s->nr_bytes = left * S2_BIN_SCHED_BYTES;
	if (s2_sched_records(s) > left ||
	    (s->mode == S2_SCHED_BYTES && !s->nr_bytes))
		memset(s, 0, sizeof(*s));
}

/* Fits the ops to the (maybe new) header; never empty if one fits. */
static void finish(struct mut *m)
{
	struct s2_seq *seq = m->seq;
	unsigned int i;

	if (!seq->nr_ops)
		insert_random_op(m);
	for (i = 0; i < seq->nr_ops; i++)
		clamp_op(&seq->ops[i], seq->ipa_bits);
	fit_schedule(m);
}

/*
 * The encoder ends a sequence at the op that takes it past the entry
 * budget (fuzz/seq.h).  Shrink that op to a page, or drop it, so that a
 * grown op does not cut off the ops after it.
 */
static size_t encode(struct s2_seq *seq, uint8_t *buf, size_t len)
{
	unsigned int kept;

	while ((kept = s2_seq_ops_in_budget(seq)) < seq->nr_ops) {
		if (has(&seq->ops[kept], ARG_SIZE) &&
		    seq->ops[kept].size > SZ_4K)
			seq->ops[kept].size = SZ_4K;
		else
			delete_at(seq, kept, 1);
	}
	/* len holds every op and the schedule: finish() kept to the room. */
	return s2_seq_encode(seq, buf, len);
}

static void mut_init(struct mut *m, size_t max_size, unsigned int seed)
{
	m->seq = &seq_a;
	m->room = (max_size - S2_BIN_HEADER) / S2_BIN_RECORD;
	m->max_ops = m->room < S2_MAX_OPS ? m->room : S2_MAX_OPS;
	s2_rng_init(&m->rng, seed);
}

size_t s2_mutate(uint8_t *data, size_t size, size_t max_size,
		 unsigned int seed)
{
	struct mut m;

	/* Not even a header fits: no valid output, leave the input be. */
	if (max_size < S2_BIN_HEADER)
		return size < max_size ? size : max_size;
	mut_init(&m, max_size, seed);
	s2_seq_decode(data, size, &seq_a);
	seq_a.nr_ops = min_u(seq_a.nr_ops, m.max_ops);
	mutate_seq(&m);
	finish(&m);
	return encode(&seq_a, data, max_size);
}

size_t s2_crossover(const uint8_t *a, size_t a_size, const uint8_t *b,
		    size_t b_size, uint8_t *out, size_t max_out,
		    unsigned int seed)
{
	unsigned int na = 0, start = 0, n = 0;
	struct mut m;

	if (max_out < S2_BIN_HEADER)
		return 0;
	mut_init(&m, max_out, seed);
	s2_seq_decode(a, a_size, &seq_a);
	s2_seq_decode(b, b_size, &seq_b);
	if (below(&m, 2)) {
		seq_a.features = seq_b.features;
		seq_a.ipa_bits = seq_b.ipa_bits;
		seq_a.sched = seq_b.sched;
	}
	/* At least one op from each parent that has one. */
	if (seq_a.nr_ops)
		na = 1 + below(&m, seq_a.nr_ops);
	if (seq_b.nr_ops) {
		start = below(&m, seq_b.nr_ops);
		n = seq_b.nr_ops - start;
		if (below(&m, 2))
			n = 1 + below(&m, n);
	}
	/* Too long for out: a's prefix gets at most half, so both show. */
	if (na + n > m.max_ops) {
		n = min_u(n, m.max_ops - min_u(na, m.max_ops / 2));
		na = m.max_ops - n;
	}
	memcpy(&seq_a.ops[na], &seq_b.ops[start], n * sizeof(seq_b.ops[0]));
	seq_a.nr_ops = na + n;
	finish(&m);
	return encode(&seq_a, out, max_out);
}
