// SPDX-License-Identifier: GPL-2.0-only
#include "gen.h"

#define SZ_4K (1ULL << 12)
#define SZ_2M (1ULL << 21)
#define SZ_1G (1ULL << 30)

void s2_rng_init(struct s2_rng *r, uint64_t seed)
{
	/* Spread nearby seeds apart; + 1 keeps seed 0 off the state 0. */
	r->s = seed * 0x9e3779b97f4a7c15ULL + 1;
}

/* xorshift64*: small, and the same everywhere. */
uint64_t s2_rng_next(struct s2_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

uint64_t s2_rng_below(struct s2_rng *r, uint64_t n)
{
	return s2_rng_next(r) % n;
}

static uint64_t pick(struct s2_rng *r, const uint64_t *v, unsigned int n)
{
	return v[s2_rng_below(r, n)];
}

/* Offsets inside a 1G slot where blocks and tables meet. */
static uint64_t offset(struct s2_rng *r)
{
	static const uint64_t blocks[] = { 0, SZ_2M, 2 * SZ_2M, 511 * SZ_2M };
	static const uint64_t pages[] = { 0, SZ_4K, 2 * SZ_4K, 511 * SZ_4K };

	switch (s2_rng_below(r, 3)) {
	case 0:
		return 0;
	case 1:
		return pick(r, blocks, 4);
	default:
		return pick(r, blocks, 4) + pick(r, pages, 4);
	}
}

static uint64_t size(struct s2_rng *r, uint64_t ipa, uint64_t top, bool small)
{
	static const uint64_t sizes[] = { SZ_4K, 2 * SZ_4K, SZ_2M - SZ_4K,
					  SZ_2M, 2 * SZ_2M, SZ_1G };
	uint64_t s = pick(r, sizes, small ? 5 : 6);

	return ipa + s > top ? top - ipa : s;
}

static unsigned int prot(struct s2_rng *r)
{
	unsigned int p = s2_rng_below(r, 8);	/* r w x */

	/* Device memory now and then; executable device is -EINVAL. */
	if (!s2_rng_below(r, 8))
		p = (p & ~S2_PROT_X) | S2_PROT_DEVICE |
		    (s2_rng_below(r, 4) ? 0 : S2_PROT_X);
	return p;
}

static void fault_args(struct s2_rng *r, struct s2_op *op)
{
	op->prot = prot(r) & ~(s2_rng_below(r, 4) ? 0 : S2_PROT_DEVICE);
	op->page = !s2_rng_below(r, 3);
}

void s2_op_random(struct s2_rng *r, struct s2_op *op, unsigned int ipa_bits)
{
	static const uint8_t kinds[] = {
		S2_OP_MAP, S2_OP_MAP, S2_OP_MAP, S2_OP_MAP, S2_OP_FAULT,
		S2_OP_FAULT, S2_OP_FAULT, S2_OP_UNMAP, S2_OP_UNMAP,
		S2_OP_UNMAP, S2_OP_WRPROTECT, S2_OP_WRPROTECT, S2_OP_RELAX,
		S2_OP_MKOLD, S2_OP_MKYOUNG, S2_OP_SPLIT, S2_OP_SPLIT,
		S2_OP_OWNER, S2_OP_FLUSH, S2_OP_MEMCACHE,
	};
	uint64_t top = 1ULL << ipa_bits;
	uint64_t slots = top / SZ_1G < 4 ? top / SZ_1G : 4;
	/* Guest memory at IPA + 1G, so blocks are possible: mostly. */
	uint64_t shift = s2_rng_below(r, 6) ? SZ_1G : SZ_1G + SZ_4K;

	*op = (struct s2_op){ .kind = kinds[s2_rng_below(r, sizeof(kinds))] };
	op->ipa = s2_rng_below(r, slots ? slots : 1) * SZ_1G + offset(r);
	if (op->ipa >= top)
		op->ipa = 0;
	switch (op->kind) {
	case S2_OP_MAP:
		op->size = size(r, op->ipa, top, shift != SZ_1G);
		op->pa = op->ipa + shift;
		op->prot = prot(r);
		break;
	case S2_OP_FAULT:
		fault_args(r, op);
		break;
	case S2_OP_RELAX:
		op->prot = s2_rng_below(r, 8);
		break;
	case S2_OP_MKYOUNG:
		break;
	case S2_OP_OWNER:
		op->size = size(r, op->ipa, top, true);
		op->count = s2_rng_below(r, 3);
		break;
	case S2_OP_MEMCACHE:
		op->ipa = 0;
		op->count = s2_rng_below(r, 4);
		break;
	default:
		op->size = size(r, op->ipa, top, false);
	}
}

void s2_pct_random(struct s2_rng *r, struct s2_schedule *s)
{
	*s = (struct s2_schedule){ .mode = S2_SCHED_PCT,
				   .seed = s2_rng_next(r) };
	/* PCT finds a bug of depth d with d - 1 change points: mostly few. */
	s->depth = 1 + s2_rng_below(r, s2_rng_below(r, 2) ?
					       3 : S2_SCHED_MAX_DEPTH);
}

static void random_schedule(struct s2_rng *r, struct s2_schedule *s)
{
	if (s2_rng_below(r, 2)) {
		s2_pct_random(r, s);
		return;
	}
	*s = (struct s2_schedule){ .mode = S2_SCHED_BYTES,
				   .nr_bytes = 1 + s2_rng_below(r, 16) };
	for (unsigned int i = 0; i < s->nr_bytes; i++)
		s->bytes[i] = s2_rng_below(r, 256);
}

/* Thread "thread" faults ipa; returns the fault. */
static struct s2_op *thread_fault(struct s2_rng *r, struct s2_seq *seq,
				  unsigned int thread, uint64_t ipa)
{
	struct s2_op *op = &seq->ops[seq->nr_ops++];

	*op = (struct s2_op){ .kind = S2_OP_THREAD, .count = thread };
	op = &seq->ops[seq->nr_ops++];
	*op = (struct s2_op){ .kind = S2_OP_FAULT, .ipa = ipa };
	fault_args(r, op);
	return op;
}

/*
 * Two vCPUs fault neighbouring pages (or one page) of a 2M region the
 * sequence used, so each walk meets the table or block the other installs;
 * now and then a third faults the whole region as a block.
 */
static void concurrent_section(struct s2_rng *r, struct s2_seq *seq)
{
	uint64_t ipa = seq->ops[s2_rng_below(r, seq->nr_ops)].ipa;
	uint64_t region = ipa & ~(SZ_2M - 1);

	ipa = region + s2_rng_below(r, SZ_2M / SZ_4K) * SZ_4K;
	thread_fault(r, seq, 1, ipa);
	thread_fault(r, seq, 2, s2_rng_below(r, 4) ? ipa ^ SZ_4K : ipa);
	if (s2_rng_below(r, 2))
		thread_fault(r, seq, 3, region)->page = false;
	random_schedule(r, &seq->sched);
}

void s2_seq_random(struct s2_seq *seq, uint64_t seed)
{
	static const unsigned int ipa_bits[] = { 40, 40, 40, 36, 44, 32 };
	struct s2_rng r;
	unsigned int nr;

	s2_rng_init(&r, seed);
	s2_seq_init(seq);
	seq->features = seed % 4;	/* every feature combination in turn */
	seq->ipa_bits = ipa_bits[s2_rng_below(&r, 6)];
	nr = 1 + s2_rng_below(&r, 24);
	for (unsigned int i = 0; i < nr; i++)
		s2_op_random(&r, &seq->ops[seq->nr_ops++], seq->ipa_bits);
	/* After the ops, so that they stay what they were before sections. */
	if (!s2_rng_below(&r, 4))
		concurrent_section(&r, seq);
}
