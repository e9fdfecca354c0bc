// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of fuzz/seq.c: the binary decoder and encoder, the text parser
 * and printer, and the round trips between them.
 */
#include <stdlib.h>

#include "check.h"
#include "seq.h"

#define MAX_BIN S2_BIN_MAX
#define GIB (1ULL << 30)

static struct s2_seq seq_a, seq_b, seq_c;
static char err_buf[256];

static const char *print_seq(const struct s2_seq *seq)
{
	FILE *f = check_capture_start();

	s2_seq_print(seq, f);
	return check_capture_end(f);
}

static const struct s2_seq *parse_ok(const char *text)
{
	err_buf[0] = '\0';
	if (s2_seq_parse(text, "seq.s2", &seq_a, err_buf, sizeof(err_buf)))
		fprintf(stderr, "unexpected parse error: %s\n", err_buf);
	CHECK_EQ_STR(err_buf, "");
	return &seq_a;
}

static const char *parse_err(const char *text)
{
	err_buf[0] = '\0';
	CHECK(s2_seq_parse(text, "seq.s2", &seq_a, err_buf,
			   sizeof(err_buf)) == -1);
	return err_buf;
}

static void put_field(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = v & 0xff;
}

static void put_record(uint8_t *rec, unsigned int kind, uint8_t byte1,
		       uint64_t ipa_pages, uint64_t size_pages,
		       uint64_t pa_pages)
{
	rec[0] = kind;
	rec[1] = byte1;
	put_field(rec + 2, ipa_pages, 5);
	put_field(rec + 7, size_pages, 4);
	put_field(rec + 11, pa_pages, 5);
}

/* Decodes one record under a header whose IPA size byte is ipa_byte. */
static const struct s2_op *decode_one(uint8_t ipa_byte, unsigned int kind,
				      uint8_t byte1, uint64_t ipa_pages,
				      uint64_t size_pages, uint64_t pa_pages)
{
	uint8_t bin[S2_BIN_HEADER + S2_BIN_RECORD] = { 0, ipa_byte };

	put_record(bin + S2_BIN_HEADER, kind, byte1, ipa_pages, size_pages,
		   pa_pages);
	s2_seq_decode(bin, sizeof(bin), &seq_a);
	CHECK_EQ_U64(seq_a.nr_ops, 1);
	return &seq_a.ops[0];
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = rng_next() >> 56;
}

/* In enum order, one line per op kind, in canonical form. */
static const char every_op[] =
	"features fwb tlb-range\n"
	"ipa-bits 44\n"
	"map 0x40000000 1G 0x80000000 rwxd\n"
	"unmap 0x0 4K\n"
	"wrprotect 0x200000 2M\n"
	"fault 0x1000 rw page\n"
	"relax 0xffffffff000 x\n"
	"mkold 0x0 1026M\n"
	"mkyoung 0x1000\n"
	"split 0x40000000 2M\n"
	"owner 0x0 2M 7\n"
	"flush 0x3000 12K\n"
	"memcache 255\n"
	"thread 3\n";

TEST(test_init_sets_defaults)
{
	seq_a.features = 3;
	seq_a.ipa_bits = 0;
	seq_a.nr_ops = 9;
	s2_seq_init(&seq_a);
	CHECK_EQ_U64(seq_a.features, 0);
	CHECK_EQ_U64(seq_a.ipa_bits, S2_IPA_BITS_DEFAULT);
	CHECK_EQ_U64(seq_a.nr_ops, 0);
}

TEST(test_decode_short_input_gives_defaults)
{
	static const uint8_t bin[3] = { 0xff, 0x05, 0xff };
	size_t len;

	for (len = 0; len < sizeof(bin); len++) {
		s2_seq_decode(bin, len, &seq_a);
		CHECK_EQ_U64(seq_a.features, 0);
		CHECK_EQ_U64(seq_a.ipa_bits, 40);
		CHECK_EQ_U64(seq_a.nr_ops, 0);
	}
}

TEST(test_decode_header_sets_features_and_ipa_bits)
{
	static const struct {
		uint8_t byte;
		unsigned int bits;
	} sizes[] = {
		{ 0, 40 }, { 1, 32 }, { 9, 40 }, { 13, 44 }, { 14, 32 },
		{ 255, 39 },
	};
	uint8_t bin[S2_BIN_HEADER] = { 0xfe, 0, 0xaa, 0x55 };
	unsigned int i;

	s2_seq_decode(bin, sizeof(bin), &seq_a);
	CHECK_EQ_U64(seq_a.features, S2_FEAT_TLB_RANGE);
	CHECK_EQ_U64(seq_a.nr_ops, 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		bin[1] = sizes[i].byte;
		s2_seq_decode(bin, sizeof(bin), &seq_a);
		CHECK_EQ_U64(seq_a.ipa_bits, sizes[i].bits);
	}
}

TEST(test_decode_ignores_trailing_partial_record)
{
	uint8_t bin[S2_BIN_HEADER + 2 * S2_BIN_RECORD] = { 0 };

	s2_seq_decode(bin, sizeof(bin) - 1, &seq_a);
	CHECK_EQ_U64(seq_a.nr_ops, 1);
	s2_seq_decode(bin, sizeof(bin), &seq_a);
	CHECK_EQ_U64(seq_a.nr_ops, 2);
}

TEST(test_decode_stops_at_max_ops)
{
	static uint8_t bin[MAX_BIN + 3 * S2_BIN_RECORD];

	s2_seq_decode(bin, sizeof(bin), &seq_a);
	CHECK_EQ_U64(seq_a.nr_ops, S2_MAX_OPS);
}

TEST(test_decode_stops_at_the_entry_budget)
{
	/* The whole budget in pages fits; one more op does not. */
	uint8_t bin[S2_BIN_HEADER + 3 * S2_BIN_RECORD] = { 0 };

	put_record(bin + S2_BIN_HEADER, S2_OP_MAP, 3, 0, S2_BIN_ENTRY_BUDGET,
		   1);
	put_record(bin + S2_BIN_HEADER + S2_BIN_RECORD, S2_OP_MKYOUNG, 0, 0,
		   0, 0);
	s2_seq_decode(bin, S2_BIN_HEADER + 2 * S2_BIN_RECORD, &seq_a);
	CHECK_EQ_U64(seq_a.nr_ops, 1);
	/* With 2M blocks possible, the same size is cheap. */
	put_record(bin + S2_BIN_HEADER, S2_OP_MAP, 3, 0, S2_BIN_ENTRY_BUDGET,
		   512);
	s2_seq_decode(bin, sizeof(bin), &seq_a);
	CHECK_EQ_U64(seq_a.nr_ops, 3);
}

TEST(test_encode_drops_ops_past_the_entry_budget)
{
	uint8_t bin[S2_BIN_HEADER + 2 * S2_BIN_RECORD];

	s2_seq_init(&seq_a);
	seq_a.nr_ops = 2;
	seq_a.ops[0] = (struct s2_op){ .kind = S2_OP_OWNER,
				       .size = (S2_BIN_ENTRY_BUDGET + 1) << 12 };
	seq_a.ops[1] = (struct s2_op){ .kind = S2_OP_MKYOUNG };
	CHECK_EQ_U64(s2_seq_encode(&seq_a, bin, sizeof(bin)), S2_BIN_HEADER);
	seq_a.ops[0].size -= 2 << 12;
	CHECK_EQ_U64(s2_seq_encode(&seq_a, bin, sizeof(bin)),
		     S2_BIN_HEADER + 2 * S2_BIN_RECORD);
}

/* A 4K split of a 1G block writes 1024 entries: 512 per cache page. */
TEST(test_a_split_costs_its_cache_not_its_range)
{
	unsigned int fit = S2_BIN_ENTRY_BUDGET / 1024;
	uint8_t bin[S2_BIN_HEADER + S2_MAX_OPS * S2_BIN_RECORD];

	s2_seq_init(&seq_a);
	seq_a.nr_ops = fit + 1;
	for (unsigned int i = 0; i <= fit; i++)
		seq_a.ops[i] = (struct s2_op){ .kind = S2_OP_SPLIT,
					       .size = 4096 };
	CHECK_EQ_U64(s2_seq_encode(&seq_a, bin, sizeof(bin)),
		     S2_BIN_HEADER + fit * S2_BIN_RECORD);
	/* With a memcache op before it, the split costs that cache. */
	seq_a.nr_ops = 2;
	seq_a.ops[0] = (struct s2_op){ .kind = S2_OP_MEMCACHE,
				       .count = S2_BIN_ENTRY_BUDGET / 512 + 1 };
	CHECK_EQ_U64(s2_seq_encode(&seq_a, bin, sizeof(bin)),
		     S2_BIN_HEADER + S2_BIN_RECORD);
}

TEST(test_decode_keeps_in_range_values)
{
	const struct s2_op *op = decode_one(0, S2_OP_MAP, 0x03, 0x12345, 0x200,
					    0xabcdef);

	CHECK_EQ_U64(op->kind, S2_OP_MAP);
	CHECK_EQ_U64(op->prot, S2_PROT_R | S2_PROT_W);
	CHECK(!op->page);
	CHECK_EQ_U64(op->ipa, 0x12345000);
	CHECK_EQ_U64(op->size, 0x200000);
	CHECK_EQ_U64(op->pa, 0xabcdef000);
	CHECK_EQ_U64(op->line, 0);

	/* The last IPA pages of the space, the size running to its end. */
	op = decode_one(0, S2_OP_UNMAP, 0, (1ULL << 28) - 2, 2, 0);
	CHECK_EQ_U64(op->ipa, (1ULL << 40) - 0x2000);
	CHECK_EQ_U64(op->size, 0x2000);
}

TEST(test_decode_reduces_kind_modulo_op_count)
{
	const struct s2_op *op = decode_one(0, S2_OP_COUNT + S2_OP_UNMAP, 0,
					    0, 1, 0);

	CHECK_EQ_U64(op->kind, S2_OP_UNMAP);
}

TEST(test_decode_folds_ipa_into_window)
{
	/* 32-bit space: 2^20 pages; past that, fold modulo the window. */
	const struct s2_op *op = decode_one(1, S2_OP_MKYOUNG, 0,
					    (1ULL << 20) + 5, 0, 0);

	CHECK_EQ_U64(op->ipa, 0x5000);
	op = decode_one(0, S2_OP_MKYOUNG, 0, (1ULL << 28) + (1ULL << 20) + 7,
			0, 0);
	CHECK_EQ_U64(op->ipa, 0x7000);
	op = decode_one(0, S2_OP_MKYOUNG, 0, 0xffffffffffULL, 0, 0);
	CHECK_EQ_U64(op->ipa, S2_FOLD_WINDOW - 0x1000);
}

TEST(test_decode_folds_size_into_block_multiples)
{
	static const struct {
		uint64_t pages;
		uint64_t size;
	} folds[] = {
		{ 0, 4ULL << 10 },
		{ 1ULL << 28 | 3 << 2 | 1, 8ULL << 20 },
		{ 1ULL << 28 | 2, GIB },
		{ 0xffffffff, 32ULL << 10 },
	};
	const struct s2_op *op;
	unsigned int i;

	for (i = 0; i < sizeof(folds) / sizeof(folds[0]); i++) {
		op = decode_one(0, S2_OP_UNMAP, 0, 0, folds[i].pages, 0);
		CHECK_EQ_U64(op->size, folds[i].size);
	}
}

TEST(test_decode_clamps_folded_size_to_ipa_space)
{
	/* 8G folded at 8K below the top of a 32-bit space. */
	const struct s2_op *op = decode_one(1, S2_OP_UNMAP, 0, 0xffffe,
					    0xfffffffe, 0);

	CHECK_EQ_U64(op->ipa, 0xffffe000);
	CHECK_EQ_U64(op->size, 0x2000);
	/* 12K doesn't fit either, so it folds (to 4K) instead. */
	op = decode_one(1, S2_OP_UNMAP, 0, 0xffffe, 3, 0);
	CHECK_EQ_U64(op->size, 0x1000);
}

TEST(test_decode_folds_pa_to_whole_gib_past_the_ipa)
{
	const struct s2_op *op = decode_one(0, S2_OP_MAP, 0, 0x201, 0x200,
					    (1ULL << 36) + 2);

	CHECK_EQ_U64(op->pa, 0x201000 + 3 * GIB);
	op = decode_one(0, S2_OP_MAP, 0, 0, 0x200, 0xffffffffffULL);
	CHECK_EQ_U64(op->pa, 4 * GIB);
}

TEST(test_decode_caps_sizes)
{
	const struct s2_op *op = decode_one(0, S2_OP_UNMAP, 0, 0,
					    (2 * GIB >> 12) + 1, 0);

	CHECK(op->size <= S2_BIN_SIZE_CAP);
	op = decode_one(0, S2_OP_UNMAP, 0, 0, 2 * GIB >> 12, 0);
	CHECK_EQ_U64(op->size, 2 * GIB);
	/* Folded: 1G times 8, capped. */
	op = decode_one(0, S2_OP_UNMAP, 0, 0, 0xfffffffe, 0);
	CHECK_EQ_U64(op->size, 2 * GIB);
}

TEST(test_decode_keeps_pa_range_inside_pa_space)
{
	const struct s2_op *op = decode_one(0, S2_OP_MAP, 0, 0, 1,
					    0x7ffffffffULL);

	CHECK_EQ_U64(op->pa, (1ULL << 47) - 0x1000);
}

TEST(test_decode_zeroes_fields_the_op_does_not_use)
{
	const struct s2_op *op = decode_one(0, S2_OP_UNMAP, 0xff, 1, 1,
					    0xffffffffffULL);

	CHECK_EQ_U64(op->prot, 0);
	CHECK_EQ_U64(op->count, 0);
	CHECK_EQ_U64(op->pa, 0);
	op = decode_one(0, S2_OP_MKYOUNG, 0xff, 1, 0xffffffff, 1);
	CHECK_EQ_U64(op->size, 0);
	CHECK_EQ_U64(op->pa, 0);
	CHECK_EQ_U64(op->prot, 0);
	op = decode_one(0, S2_OP_MEMCACHE, 200, 1, 1, 1);
	CHECK_EQ_U64(op->count, 200);
	CHECK_EQ_U64(op->ipa, 0);
	CHECK_EQ_U64(op->size, 0);
	op = decode_one(0, S2_OP_OWNER, 0xff, 0, 1, 1);
	CHECK_EQ_U64(op->count, 255);
	CHECK_EQ_U64(op->prot, 0);
	CHECK_EQ_U64(op->pa, 0);
	/* The runner derives a fault's PA from its IPA. */
	op = decode_one(0, S2_OP_FAULT, 0x01, 1, 1, 1);
	CHECK_EQ_U64(op->pa, 0);
	CHECK_EQ_U64(op->size, 0);
}

TEST(test_decode_reads_page_only_for_ops_that_take_it)
{
	const struct s2_op *op = decode_one(0, S2_OP_FAULT, 0x1f, 0, 0, 0);

	CHECK_EQ_U64(op->prot, S2_PROT_MASK);
	CHECK(op->page);
	op = decode_one(0, S2_OP_FAULT, 0xe5, 0, 0, 0);
	CHECK_EQ_U64(op->prot, S2_PROT_R | S2_PROT_X);
	CHECK(!op->page);
	op = decode_one(0, S2_OP_RELAX, 0x1f, 0, 0, 0);
	CHECK_EQ_U64(op->prot, S2_PROT_MASK);
	CHECK(!op->page);
}

TEST(test_encode_writes_header)
{
	uint8_t bin[S2_BIN_HEADER];

	memset(bin, 0xff, sizeof(bin));
	s2_seq_init(&seq_a);
	seq_a.features = S2_FEAT_FWB | S2_FEAT_TLB_RANGE;
	CHECK_EQ_U64(s2_seq_encode(&seq_a, bin, sizeof(bin)), S2_BIN_HEADER);
	CHECK_EQ_U64(bin[0], 3);
	CHECK_EQ_U64(bin[1], 0);
	CHECK_EQ_U64(bin[2], 0);
	CHECK_EQ_U64(bin[3], 0);
	seq_a.ipa_bits = 32;
	s2_seq_encode(&seq_a, bin, sizeof(bin));
	CHECK_EQ_U64(bin[1], 1);
	seq_a.ipa_bits = 44;
	s2_seq_encode(&seq_a, bin, sizeof(bin));
	CHECK_EQ_U64(bin[1], 13);
}

TEST(test_encode_rejects_short_buffer)
{
	uint8_t bin[S2_BIN_HEADER + 2 * S2_BIN_RECORD];

	parse_ok("unmap 0 4K\nmkyoung 0\n");
	CHECK_EQ_U64(s2_seq_encode(&seq_a, bin, sizeof(bin) - 1), 0);
	CHECK_EQ_U64(s2_seq_encode(&seq_a, bin, sizeof(bin)), sizeof(bin));
}

TEST(test_encode_inverts_decode_of_in_range_records)
{
	uint8_t in[S2_BIN_HEADER + 3 * S2_BIN_RECORD] = { 1, 13 };
	uint8_t out[sizeof(in)];

	put_record(in + S2_BIN_HEADER, S2_OP_MAP, 0x0b, 0x123, 0x456,
		   0x789abcdef);
	put_record(in + S2_BIN_HEADER + S2_BIN_RECORD, S2_OP_FAULT, 0x1a,
		   0xffffffff, 0, 0);
	put_record(in + S2_BIN_HEADER + 2 * S2_BIN_RECORD, S2_OP_OWNER, 0x80,
		   0x10, 0x20, 0);
	s2_seq_decode(in, sizeof(in), &seq_a);
	CHECK_EQ_U64(s2_seq_encode(&seq_a, out, sizeof(out)), sizeof(out));
	CHECK(!memcmp(in, out, sizeof(in)));
}

TEST(test_every_op_kind_survives_text_and_binary)
{
	static uint8_t bin[MAX_BIN];
	const struct s2_seq *seq = parse_ok(every_op);
	unsigned int i;
	size_t n;

	/* Fails when an op is added to S2_OPS without a line above. */
	CHECK_EQ_U64(seq->nr_ops, S2_OP_COUNT);
	for (i = 0; i < seq->nr_ops; i++) {
		CHECK_EQ_U64(seq->ops[i].kind, i);
		CHECK_EQ_U64(seq->ops[i].line, i + 3);
	}
	CHECK_EQ_STR(print_seq(seq), every_op);

	n = s2_seq_encode(seq, bin, sizeof(bin));
	CHECK_EQ_U64(n, S2_BIN_HEADER + S2_OP_COUNT * S2_BIN_RECORD);
	s2_seq_decode(bin, n, &seq_b);
	CHECK_EQ_STR(print_seq(&seq_b), every_op);
}

TEST(test_random_ipas_fold_into_window_mostly)
{
	uint8_t bin[S2_BIN_HEADER + S2_BIN_RECORD];
	unsigned int i, in_window = 0, beyond_space = 0;
	const struct s2_op *op;

	for (i = 0; i < 10000; i++) {
		fill_random(bin, sizeof(bin));
		s2_seq_decode(bin, sizeof(bin), &seq_a);
		op = &seq_a.ops[0];
		in_window += op->ipa < S2_FOLD_WINDOW;
		beyond_space += op->ipa >= 1ULL << seq_a.ipa_bits;
	}
	CHECK(in_window >= 9900);
	CHECK_EQ_U64(beyond_space, 0);
}

struct round_trips {
	unsigned int rejected;	/* printed text the parser refused */
	unsigned int changed;	/* text and binary forms disagree */
};

/*
 * in decodes to a sequence whose text parses back to the same encoding,
 * which decodes to the same text: the first failure of each kind is shown.
 */
static void round_trip(const uint8_t *in, size_t len, struct round_trips *r)
{
	static uint8_t bin_a[MAX_BIN], bin_b[MAX_BIN];
	static char first[sizeof(check_capture_buf)];
	size_t len_a, len_b;

	s2_seq_decode(in, len, &seq_a);
	strcpy(first, print_seq(&seq_a));
	if (s2_seq_parse(first, "random", &seq_b, err_buf, sizeof(err_buf))) {
		if (!r->rejected++)
			fprintf(stderr, "%s\n%s", err_buf, first);
		return;
	}
	len_a = s2_seq_encode(&seq_a, bin_a, sizeof(bin_a));
	len_b = s2_seq_encode(&seq_b, bin_b, sizeof(bin_b));
	s2_seq_decode(bin_b, len_b, &seq_c);
	if (len_a != len_b || memcmp(bin_a, bin_b, len_a) ||
	    strcmp(first, print_seq(&seq_c))) {
		if (!r->changed++)
			fprintf(stderr, "changed:\n%s", first);
	}
}

TEST(test_random_bytes_survive_print_parse_round_trip)
{
	static uint8_t in[400];
	struct round_trips r = { 0 };
	unsigned int i;
	size_t len;

	for (i = 0; i < 100000; i++) {
		len = rng_next() % (sizeof(in) + 1);
		fill_random(in, len);
		round_trip(in, len, &r);
	}
	CHECK_EQ_U64(r.rejected, 0);
	CHECK_EQ_U64(r.changed, 0);
}

/* Random bytes reach a schedule record 1 time in 256: here half do. */
TEST(test_random_schedules_survive_print_parse_round_trip)
{
	static uint8_t in[S2_BIN_HEADER + 12 * S2_BIN_RECORD];
	unsigned int i, bytes = 0, pct = 0, full = 0;
	struct round_trips r = { 0 };
	size_t len, j;

	for (i = 0; i < 20000; i++) {
		len = rng_next() % (sizeof(in) + 1);
		fill_random(in, len);
		for (j = S2_BIN_HEADER; j < len; j += S2_BIN_RECORD)
			if (rng_next() & 1)
				in[j] = S2_BIN_SCHED_KIND;
		round_trip(in, len, &r);
		bytes += seq_a.sched.mode == S2_SCHED_BYTES;
		pct += seq_a.sched.mode == S2_SCHED_PCT;
		full += seq_a.sched.nr_bytes == S2_SCHED_MAX_BYTES;
	}
	CHECK_EQ_U64(r.rejected, 0);
	CHECK_EQ_U64(r.changed, 0);
	CHECK(bytes > 4000 && pct > 4000 && full > 100);
}

TEST(test_size_format_picks_largest_exact_suffix)
{
	static const struct {
		uint64_t size;
		const char *text;
	} sizes[] = {
		{ 4ULL << 10, "4K" },
		{ 12ULL << 10, "12K" },
		{ 1536ULL << 10, "1536K" },
		{ 2ULL << 20, "2M" },
		{ GIB, "1G" },
		{ 1026ULL << 20, "1026M" },
		{ 4 * GIB + 4096, "4194308K" },
		{ 1ULL << 44, "16384G" },
		{ 100, "100" },
		{ 0, "0" },
	};
	char buf[32];
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		s2_size_format(sizes[i].size, buf);
		CHECK_EQ_STR(buf, sizes[i].text);
	}
}

TEST(test_prot_format_orders_letters)
{
	char buf[8];

	s2_prot_format(0, buf);
	CHECK_EQ_STR(buf, "-");
	s2_prot_format(S2_PROT_MASK, buf);
	CHECK_EQ_STR(buf, "rwxd");
	s2_prot_format(S2_PROT_DEVICE | S2_PROT_W, buf);
	CHECK_EQ_STR(buf, "wd");
	s2_prot_format(S2_PROT_X | S2_PROT_R, buf);
	CHECK_EQ_STR(buf, "rx");
	s2_prot_format(0x10, buf);
	CHECK_EQ_STR(buf, "-");
}

TEST(test_print_writes_header_only_when_not_default)
{
	s2_seq_init(&seq_b);
	CHECK_EQ_STR(print_seq(&seq_b), "");
	seq_b.features = S2_FEAT_TLB_RANGE;
	CHECK_EQ_STR(print_seq(&seq_b), "features tlb-range\n");
	seq_b.features = S2_FEAT_FWB;
	seq_b.ipa_bits = 32;
	CHECK_EQ_STR(print_seq(&seq_b), "features fwb\nipa-bits 32\n");
}

TEST(test_print_canonicalizes_parsed_text)
{
	const struct s2_seq *seq = parse_ok("ipa-bits 40\n"
					    "features tlb-range   fwb\n"
					    "map 4096 0x200000 0 xwr\n"
					    "fault 0 -\n"
					    "owner 0X10000 8192 0x0a\n");

	CHECK_EQ_STR(print_seq(seq), "features fwb tlb-range\n"
				     "map 0x1000 2M 0x0 rwx\n"
				     "fault 0x0 -\n"
				     "owner 0x10000 8K 10\n");
}

TEST(test_op_print_ends_the_line)
{
	FILE *f;

	parse_ok("fault 0x2000 r page\n");
	f = check_capture_start();
	s2_op_print(&seq_a, &seq_a.ops[0], f);
	CHECK_EQ_STR(check_capture_end(f), "fault 0x2000 r page\n");
}

TEST(test_op_name_matches_table)
{
	CHECK_EQ_STR(s2_op_name(S2_OP_MAP), "map");
	CHECK_EQ_STR(s2_op_name(S2_OP_WRPROTECT), "wrprotect");
	CHECK_EQ_STR(s2_op_name(S2_OP_MEMCACHE), "memcache");
	CHECK_EQ_STR(s2_op_name(S2_OP_THREAD), "thread");
	CHECK_EQ_STR(s2_op_name(S2_OP_COUNT), "?");
}

TEST(test_help_lists_every_op_and_directive)
{
	FILE *f = check_capture_start();
	char needle[64];
	const char *help;
	unsigned int i;

	s2_ops_help(f);
	help = check_capture_end(f);
	for (i = 0; i < S2_OP_COUNT; i++) {
		snprintf(needle, sizeof(needle), "\n  %s ", s2_op_name(i));
		CHECK(strstr(help, needle));
	}
	CHECK(strstr(help, "\n  map IPA SIZE PA PROT "));
	CHECK(strstr(help, "\n  fault IPA PROT [page] "));
	CHECK(strstr(help, "\n  owner IPA SIZE ID "));
	CHECK(strstr(help, "\n  memcache COUNT "));
	CHECK(strstr(help, "\n  thread N "));
	CHECK(strstr(help, "(kvm_pgtable_stage2_set_owner)\n"));
	CHECK(strstr(help, "\n  features [fwb] [tlb-range] "));
	CHECK(strstr(help, "\n  ipa-bits N "));
	CHECK(strstr(help, "\n  schedule HEX... "));
	CHECK(strstr(help, "\n  schedule pct SEED DEPTH "));
	CHECK(strstr(help, "N is 0..3"));
	CHECK(strstr(help, "32..44 (default 40)"));
	CHECK(strstr(help, "0x hex"));
}

TEST(test_parse_accepts_number_forms)
{
	const struct s2_seq *seq = parse_ok("unmap 0x1000 4k\n"
					    "unmap 1g 1M\n"
					    "unmap 0xABC000 8192\n"
					    "unmap 0 2m\n"
					    "memcache 0\n");

	CHECK_EQ_U64(seq->nr_ops, 5);
	CHECK_EQ_U64(seq->ops[0].ipa, 0x1000);
	CHECK_EQ_U64(seq->ops[0].size, 0x1000);
	CHECK_EQ_U64(seq->ops[1].ipa, GIB);
	CHECK_EQ_U64(seq->ops[1].size, 1 << 20);
	CHECK_EQ_U64(seq->ops[2].ipa, 0xabc000);
	CHECK_EQ_U64(seq->ops[2].size, 0x2000);
	CHECK_EQ_U64(seq->ops[3].size, 2 << 20);
	CHECK_EQ_U64(seq->ops[4].count, 0);
}

TEST(test_parse_skips_comments_and_blank_lines)
{
	const struct s2_seq *seq = parse_ok("# a test\n"
					    "\n"
					    "  map 0 4K 0 r # trailing\n"
					    "\t\tunmap\t0\t4K\r\n"
					    "#map 0 4K 0 r\n"
					    "mkyoung 0x1000#no space\n"
					    "   \t");

	CHECK_EQ_U64(seq->nr_ops, 3);
	CHECK_EQ_U64(seq->ops[0].kind, S2_OP_MAP);
	CHECK_EQ_U64(seq->ops[0].line, 3);
	CHECK_EQ_U64(seq->ops[1].kind, S2_OP_UNMAP);
	CHECK_EQ_U64(seq->ops[1].line, 4);
	CHECK_EQ_U64(seq->ops[2].ipa, 0x1000);
	CHECK_EQ_U64(seq->ops[2].line, 6);
	CHECK_EQ_U64(parse_ok("")->nr_ops, 0);
}

TEST(test_parse_accepts_prot_letters_in_any_order)
{
	const struct s2_seq *seq = parse_ok("relax 0 dxwr\nrelax 0 -\n"
					    "relax 0 w\n");

	CHECK_EQ_U64(seq->ops[0].prot, S2_PROT_MASK);
	CHECK_EQ_U64(seq->ops[1].prot, 0);
	CHECK_EQ_U64(seq->ops[2].prot, S2_PROT_W);
}

TEST(test_parse_accepts_header_directives)
{
	const struct s2_seq *seq = parse_ok("features\nipa-bits 0x20\n");

	CHECK_EQ_U64(seq->features, 0);
	CHECK_EQ_U64(seq->ipa_bits, 32);
	seq = parse_ok("features tlb-range\n");
	CHECK_EQ_U64(seq->features, S2_FEAT_TLB_RANGE);
	CHECK_EQ_U64(seq->ipa_bits, 40);
}

TEST(test_parse_accepts_limits_of_each_space)
{
	const struct s2_seq *seq = parse_ok("unmap 0xfffffff000 4K\n"
					    "fault 0xfffffff000 r\n"
					    "map 0 4K 0x7ffffffff000 r\n"
					    "map 0 1G 0x7fffc0000000 r\n"
					    "owner 0 4K 255\n");

	CHECK_EQ_U64(seq->nr_ops, 5);
	seq = parse_ok("ipa-bits 44\nunmap 0 0xffffffff000\n");
	CHECK_EQ_U64(seq->ops[0].size, (1ULL << 44) - 0x1000);
}

TEST(test_parse_rejects_unknown_op)
{
	CHECK_EQ_STR(parse_err("map 0 4K 0 r\nmapp 0 4K\n"),
		     "seq.s2:2: unknown op 'mapp'");
	CHECK_EQ_STR(parse_err("  Map 0 4K 0 r"),
		     "seq.s2:1: unknown op 'Map'");
}

TEST(test_parse_rejects_missing_argument)
{
	CHECK_EQ_STR(parse_err("\n\n\nmap 0 4K 0 # r\n"),
		     "seq.s2:4: map: missing argument PROT");
	CHECK_EQ_STR(parse_err("map 0 4K"),
		     "seq.s2:1: map: missing argument PA");
	CHECK_EQ_STR(parse_err("owner 0 4K"),
		     "seq.s2:1: owner: missing argument ID");
	CHECK_EQ_STR(parse_err("memcache"),
		     "seq.s2:1: memcache: missing argument COUNT");
	CHECK_EQ_STR(parse_err("fault 0"),
		     "seq.s2:1: fault: missing argument PROT");
}

TEST(test_parse_rejects_extra_argument)
{
	CHECK_EQ_STR(parse_err("unmap 0 4K 0"),
		     "seq.s2:1: unmap: extra argument '0'");
	CHECK_EQ_STR(parse_err("mkyoung 0x1000 4K"),
		     "seq.s2:1: mkyoung: extra argument '4K'");
	CHECK_EQ_STR(parse_err("fault 0 r page page"),
		     "seq.s2:1: fault: extra argument 'page'");
	CHECK_EQ_STR(parse_err("relax 0 r page"),
		     "seq.s2:1: relax: extra argument 'page'");
}

TEST(test_parse_rejects_bad_numbers)
{
	static const char *const words[] = {
		"0x1g", "12q", "0x", "K", "-4096", "4KK", "1.5M", "0x-1",
		"1T", "0b1000",
	};
	char text[64], want[64];
	unsigned int i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(text, sizeof(text), "\nunmap %s 4K\n", words[i]);
		snprintf(want, sizeof(want), "seq.s2:2: bad number '%s'",
			 words[i]);
		CHECK_EQ_STR(parse_err(text), want);
	}
}

TEST(test_parse_rejects_overflowing_numbers)
{
	CHECK_EQ_STR(parse_err("unmap 18446744073709551616 4K"),
		     "seq.s2:1: number '18446744073709551616' too large");
	CHECK_EQ_STR(parse_err("unmap 0x10000000000000000 4K"),
		     "seq.s2:1: number '0x10000000000000000' too large");
	CHECK_EQ_STR(parse_err("unmap 17179869184G 4K"),
		     "seq.s2:1: number '17179869184G' too large");
	/* The largest number parses, then fails the alignment check. */
	CHECK_EQ_STR(parse_err("unmap 18446744073709551615 4K"),
		     "seq.s2:1: unmap: IPA '18446744073709551615' not a multiple of 4K");
}

TEST(test_parse_rejects_bad_prot)
{
	static const char *const words[] = { "rr", "rwq", "R", "--", "r-" };
	char text[64], want[64];
	unsigned int i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(text, sizeof(text), "map 0 4K 0 %s", words[i]);
		snprintf(want, sizeof(want), "seq.s2:1: bad prot '%s'",
			 words[i]);
		CHECK_EQ_STR(parse_err(text), want);
	}
}

TEST(test_parse_rejects_unaligned_addresses)
{
	CHECK_EQ_STR(parse_err("unmap 0x1001 4K"),
		     "seq.s2:1: unmap: IPA '0x1001' not a multiple of 4K");
	CHECK_EQ_STR(parse_err("unmap 0 1K"),
		     "seq.s2:1: unmap: SIZE '1K' not a multiple of 4K");
	CHECK_EQ_STR(parse_err("map 0 4K 100 r"),
		     "seq.s2:1: map: PA '100' not a multiple of 4K");
}

TEST(test_parse_rejects_zero_size)
{
	CHECK_EQ_STR(parse_err("unmap 0 0"),
		     "seq.s2:1: unmap: SIZE '0' is zero");
	CHECK_EQ_STR(parse_err("flush 0 0K"),
		     "seq.s2:1: flush: SIZE '0K' is zero");
}

TEST(test_parse_rejects_range_beyond_ipa_space)
{
	CHECK_EQ_STR(parse_err("unmap 0xfffffff000 8K"),
		     "seq.s2:1: unmap: IPA '0xfffffff000' + SIZE '8K' beyond the 40-bit IPA space");
	CHECK_EQ_STR(parse_err("unmap 0 0xfffffffffffff000"),
		     "seq.s2:1: unmap: IPA '0' + SIZE '0xfffffffffffff000' beyond the 40-bit IPA space");
	CHECK_EQ_STR(parse_err("ipa-bits 32\nmap 0 4G 0 r\nmap 4K 4G 0 r\n"),
		     "seq.s2:3: map: IPA '4K' + SIZE '4G' beyond the 32-bit IPA space");
}

TEST(test_parse_rejects_single_ipa_beyond_ipa_space)
{
	CHECK_EQ_STR(parse_err("fault 1024G r"),
		     "seq.s2:1: fault: IPA '1024G' beyond the 40-bit IPA space");
	CHECK_EQ_STR(parse_err("relax 0x10000000000 r"),
		     "seq.s2:1: relax: IPA '0x10000000000' beyond the 40-bit IPA space");
	CHECK_EQ_STR(parse_err("ipa-bits 33\nmkyoung 8G"),
		     "seq.s2:2: mkyoung: IPA '8G' beyond the 33-bit IPA space");
}

TEST(test_parse_rejects_pa_beyond_pa_space)
{
	CHECK_EQ_STR(parse_err("map 0 8K 0x7ffffffff000 r"),
		     "seq.s2:1: map: PA '0x7ffffffff000' + SIZE '8K' beyond the 47-bit PA space");
	CHECK_EQ_STR(parse_err("map 0 4K 0x800000000000 r"),
		     "seq.s2:1: map: PA '0x800000000000' + SIZE '4K' beyond the 47-bit PA space");
}

TEST(test_parse_rejects_id_and_count_above_255)
{
	CHECK_EQ_STR(parse_err("owner 0 4K 256"),
		     "seq.s2:1: owner: ID '256' not in 0..255");
	CHECK_EQ_STR(parse_err("memcache 0x100"),
		     "seq.s2:1: memcache: COUNT '0x100' not in 0..255");
}

TEST(test_parse_rejects_misspelt_page)
{
	CHECK_EQ_STR(parse_err("fault 0 r pgae"),
		     "seq.s2:1: fault: expected 'page', not 'pgae'");
}

TEST(test_parse_rejects_size_the_binary_form_cannot_hold)
{
	CHECK_EQ_STR(parse_err("ipa-bits 44\nunmap 0 16384G"),
		     "seq.s2:2: unmap: SIZE '16384G' too large for the binary form");
}

TEST(test_parse_rejects_too_many_ops)
{
	static char text[(S2_MAX_OPS + 1) * 16];
	char *p = text;
	unsigned int i;

	for (i = 0; i < S2_MAX_OPS; i++)
		p += sprintf(p, "mkyoung 0\n");
	CHECK_EQ_U64(parse_ok(text)->nr_ops, S2_MAX_OPS);
	sprintf(p, "mkyoung 0\n");
	CHECK_EQ_STR(parse_err(text), "seq.s2:513: too many ops (max 512)");
}

TEST(test_parse_rejects_directive_after_op)
{
	CHECK_EQ_STR(parse_err("unmap 0 4K\nfeatures fwb\n"),
		     "seq.s2:2: features: must come before the first op");
	CHECK_EQ_STR(parse_err("features\nunmap 0 4K\n\nipa-bits 40\n"),
		     "seq.s2:4: ipa-bits: must come before the first op");
}

TEST(test_parse_rejects_repeated_directive)
{
	CHECK_EQ_STR(parse_err("ipa-bits 40\nipa-bits 40\n"),
		     "seq.s2:2: ipa-bits: given twice");
	CHECK_EQ_STR(parse_err("features\nfeatures fwb\n"),
		     "seq.s2:2: features: given twice");
}

TEST(test_parse_rejects_bad_features)
{
	CHECK_EQ_STR(parse_err("features fwb tlb"),
		     "seq.s2:1: features: unknown feature 'tlb'");
	CHECK_EQ_STR(parse_err("features fwb fwb"),
		     "seq.s2:1: features: 'fwb' given twice");
}

TEST(test_parse_rejects_bad_ipa_bits)
{
	CHECK_EQ_STR(parse_err("ipa-bits"),
		     "seq.s2:1: ipa-bits: missing argument N");
	CHECK_EQ_STR(parse_err("ipa-bits 31"),
		     "seq.s2:1: ipa-bits: '31' not in 32..44");
	CHECK_EQ_STR(parse_err("ipa-bits 45"),
		     "seq.s2:1: ipa-bits: '45' not in 32..44");
	CHECK_EQ_STR(parse_err("ipa-bits 40 41"),
		     "seq.s2:1: ipa-bits: extra argument '41'");
	CHECK_EQ_STR(parse_err("ipa-bits forty"),
		     "seq.s2:1: bad number 'forty'");
}

TEST(test_parse_error_names_the_file_and_fits_the_buffer)
{
	char err[12];

	memset(err, 'x', sizeof(err));
	CHECK(s2_seq_parse("bogus", "other.s2", &seq_a, err,
			   sizeof(err)) == -1);
	CHECK_EQ_STR(err, "other.s2:1:");
	memset(err, 'x', sizeof(err));
	CHECK(s2_seq_parse("bogus", "seq.s2", &seq_a, err, 5) == -1);
	CHECK_EQ_STR(err, "seq.");
	CHECK(s2_seq_parse("bogus", "seq.s2", &seq_a, NULL, 0) == -1);
}

TEST(test_thread_ops_parse_and_print)
{
	static const char text[] = "thread 1\n"
				   "mkyoung 0x1000\n"
				   "thread 2\n"
				   "fault 0x2000 rw\n"
				   "thread 3\n"
				   "thread 0\n";
	const struct s2_seq *seq = parse_ok(text);

	CHECK_EQ_U64(seq->nr_ops, 6);
	CHECK_EQ_U64(seq->ops[0].kind, S2_OP_THREAD);
	CHECK_EQ_U64(seq->ops[0].count, 1);
	CHECK_EQ_U64(seq->ops[2].count, 2);
	CHECK_EQ_U64(seq->ops[4].count, 3);
	CHECK_EQ_U64(seq->ops[5].kind, S2_OP_THREAD);
	CHECK_EQ_U64(seq->ops[5].count, 0);
	CHECK_EQ_STR(print_seq(seq), text);
}

TEST(test_parse_rejects_bad_thread)
{
	CHECK_EQ_STR(parse_err("thread 4"),
		     "seq.s2:1: thread: N '4' not in 0..3");
	CHECK_EQ_STR(parse_err("\nthread 0x100"),
		     "seq.s2:2: thread: N '0x100' not in 0..3");
	CHECK_EQ_STR(parse_err("thread"),
		     "seq.s2:1: thread: missing argument N");
	CHECK_EQ_STR(parse_err("thread 1 2"),
		     "seq.s2:1: thread: extra argument '2'");
	CHECK_EQ_STR(parse_err("thread one"), "seq.s2:1: bad number 'one'");
}

TEST(test_decode_folds_thread_number)
{
	static const struct {
		uint8_t byte1;
		unsigned int thread;
	} folds[] = { { 0, 0 }, { 3, 3 }, { 4, 0 }, { 6, 2 }, { 255, 3 } };
	const struct s2_op *op;
	unsigned int i;

	for (i = 0; i < sizeof(folds) / sizeof(folds[0]); i++) {
		op = decode_one(0, S2_OP_THREAD, folds[i].byte1, 5, 5, 5);
		CHECK_EQ_U64(op->kind, S2_OP_THREAD);
		CHECK_EQ_U64(op->count, folds[i].thread);
		CHECK_EQ_U64(op->ipa, 0);
		CHECK_EQ_U64(op->size, 0);
	}
}

TEST(test_schedule_lines_append_bytes)
{
	const struct s2_seq *seq = parse_ok("schedule 01 a3 ff\n"
					    "schedule 01A3fF\n"
					    "# comment\n"
					    "schedule\t7e   # trailing\n"
					    "mkyoung 0\n");
	static const uint8_t want[] = { 0x01, 0xa3, 0xff, 0x01, 0xa3, 0xff,
					0x7e };

	CHECK_EQ_U64(seq->sched.mode, S2_SCHED_BYTES);
	CHECK_EQ_U64(seq->sched.nr_bytes, sizeof(want));
	CHECK(!memcmp(seq->sched.bytes, want, sizeof(want)));
	CHECK_EQ_U64(seq->nr_ops, 1);
	CHECK_EQ_STR(print_seq(seq), "schedule 01 a3 ff 01 a3 ff 7e\n"
				     "mkyoung 0x0\n");
}

/* Canonical: after the other header lines, 16 bytes a line. */
TEST(test_schedule_bytes_print_16_a_line)
{
	static char text[512];
	char *p = text;
	unsigned int i;

	p += sprintf(p, "features fwb\nipa-bits 36\n");
	for (i = 0; i < S2_SCHED_MAX_BYTES; i++)
		p += sprintf(p, "%s %02x%s", i % 16 ? "" : "schedule",
			     i * 7 % 256, i % 16 == 15 ? "\n" : "");
	sprintf(p, "thread 1\nmkyoung 0x1000\n");
	CHECK_EQ_U64(parse_ok(text)->sched.nr_bytes, S2_SCHED_MAX_BYTES);
	CHECK_EQ_STR(print_seq(&seq_a), text);
	CHECK_EQ_STR(print_seq(parse_ok("schedule 00 01 02 03 04 05 06 07 08 "
					"09 0a 0b 0c 0d 0e 0f 10\n")),
		     "schedule 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n"
		     "schedule 10\n");
}

TEST(test_schedule_pct_parses_and_prints)
{
	static const char text[] = "ipa-bits 36\n"
				   "schedule pct 0xfedcba9876543210 16\n"
				   "thread 2\n";
	const struct s2_seq *seq = parse_ok(text);

	CHECK_EQ_U64(seq->sched.mode, S2_SCHED_PCT);
	CHECK_EQ_U64(seq->sched.seed, 0xfedcba9876543210ULL);
	CHECK_EQ_U64(seq->sched.depth, 16);
	CHECK_EQ_U64(seq->sched.nr_bytes, 0);
	CHECK_EQ_STR(print_seq(seq), text);
	seq = parse_ok("schedule pct 1K 1\n");
	CHECK_EQ_U64(seq->sched.seed, 1024);
	CHECK_EQ_STR(print_seq(seq), "schedule pct 0x400 1\n");
}

TEST(test_parse_rejects_bad_schedule_bytes)
{
	static char text[512];
	unsigned int i;

	CHECK_EQ_STR(parse_err("schedule"),
		     "seq.s2:1: schedule: missing argument HEX");
	CHECK_EQ_STR(parse_err("schedule 0a 1"),
		     "seq.s2:1: schedule: odd number of hex digits in '1'");
	CHECK_EQ_STR(parse_err("\nschedule 0a3"),
		     "seq.s2:2: schedule: odd number of hex digits in '0a3'");
	CHECK_EQ_STR(parse_err("schedule 0x01"),
		     "seq.s2:1: schedule: bad hex '0x01'");
	CHECK_EQ_STR(parse_err("schedule 01 zz"),
		     "seq.s2:1: schedule: bad hex 'zz'");
	CHECK_EQ_STR(parse_err("schedule -1"),
		     "seq.s2:1: schedule: bad hex '-1'");
	/* 64 bytes on two lines, then one more on the third. */
	for (i = 0; i < 2; i++)
		strcat(text, "schedule 0123456789abcdef0123456789abcdef"
			     "0123456789abcdef0123456789abcdef\n");
	parse_ok(text);
	strcat(text, "schedule 00\n");
	CHECK_EQ_STR(parse_err(text), "seq.s2:3: schedule: more than 64 bytes");
	CHECK_EQ_STR(parse_err("mkyoung 0\nschedule 01\n"),
		     "seq.s2:2: schedule: must come before the first op");
}

TEST(test_parse_rejects_bad_schedule_pct)
{
	CHECK_EQ_STR(parse_err("schedule pct"),
		     "seq.s2:1: schedule: missing argument SEED");
	CHECK_EQ_STR(parse_err("schedule pct 1"),
		     "seq.s2:1: schedule: missing argument DEPTH");
	CHECK_EQ_STR(parse_err("schedule pct 1 0"),
		     "seq.s2:1: schedule: DEPTH '0' not in 1..16");
	CHECK_EQ_STR(parse_err("schedule pct 1 17"),
		     "seq.s2:1: schedule: DEPTH '17' not in 1..16");
	CHECK_EQ_STR(parse_err("schedule pct seed 1"),
		     "seq.s2:1: bad number 'seed'");
	CHECK_EQ_STR(parse_err("schedule pct 1 2 3"),
		     "seq.s2:1: schedule: extra argument '3'");
	CHECK_EQ_STR(parse_err("schedule pct 1 2\nschedule pct 1 2"),
		     "seq.s2:2: schedule: pct given twice");
	CHECK_EQ_STR(parse_err("schedule 01\nschedule pct 1 2"),
		     "seq.s2:2: schedule: pct and bytes do not mix");
	CHECK_EQ_STR(parse_err("schedule pct 1 2\n\nschedule 01"),
		     "seq.s2:3: schedule: pct and bytes do not mix");
}

TEST(test_encode_puts_the_schedule_first)
{
	static const uint8_t seed[] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	uint8_t bin[S2_BIN_HEADER + 3 * S2_BIN_RECORD];
	const uint8_t *rec = bin + S2_BIN_HEADER;
	unsigned int i;

	parse_ok("schedule 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e\n"
		 "mkyoung 0x1000\n");
	CHECK_EQ_U64(s2_seq_encode(&seq_a, bin, sizeof(bin)), sizeof(bin));
	CHECK_EQ_U64(bin[2], S2_SCHED_BYTES);
	CHECK_EQ_U64(bin[3], 0);
	CHECK_EQ_U64(rec[0], S2_BIN_SCHED_KIND);
	CHECK_EQ_U64(rec[1], 14);
	for (i = 0; i < 14; i++)
		CHECK_EQ_U64(rec[2 + i], i);
	rec += S2_BIN_RECORD;
	CHECK_EQ_U64(rec[0], S2_BIN_SCHED_KIND);
	CHECK_EQ_U64(rec[1], 1);
	CHECK_EQ_U64(rec[2], 14);
	CHECK_EQ_U64(rec[3], 0);
	CHECK_EQ_U64(rec[S2_BIN_RECORD], S2_OP_MKYOUNG);

	parse_ok("schedule pct 0x0102030405060708 5\n");
	CHECK_EQ_U64(s2_seq_encode(&seq_a, bin, sizeof(bin)),
		     S2_BIN_HEADER + S2_BIN_RECORD);
	CHECK_EQ_U64(bin[2], S2_SCHED_PCT);
	CHECK_EQ_U64(bin[3], 4);
	CHECK_EQ_U64(bin[S2_BIN_HEADER], S2_BIN_SCHED_KIND);
	CHECK(!memcmp(bin + S2_BIN_HEADER + 2, seed, sizeof(seed)));
	/* Without room for the schedule, nothing is written. */
	CHECK_EQ_U64(s2_seq_encode(&seq_a, bin, S2_BIN_HEADER), 0);
}

/* Text -> binary -> text, at the edges of the record and the limits. */
TEST(test_schedules_survive_binary_round_trip)
{
	static const char *const texts[] = {
		"schedule 00\nthread 1\n",
		"schedule 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d\n",
		"schedule 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e\n",
		"schedule pct 0x0 1\n",
		"schedule pct 0xffffffffffffffff 16\nthread 0\n",
	};
	static char text[sizeof(check_capture_buf)];
	static uint8_t bin[MAX_BIN];
	unsigned int i;
	size_t n;
	char *p;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		n = s2_seq_encode(parse_ok(texts[i]), bin, sizeof(bin));
		s2_seq_decode(bin, n, &seq_b);
		CHECK_EQ_STR(print_seq(&seq_b), texts[i]);
	}
	/* A full schedule and S2_MAX_OPS ops: S2_BIN_MAX holds both. */
	p = text;
	for (i = 0; i < S2_SCHED_MAX_BYTES / 16; i++)
		p += sprintf(p, "schedule ff ff ff ff ff ff ff ff ff ff ff ff "
				"ff ff ff ff\n");
	for (i = 0; i < S2_MAX_OPS; i++)
		p += sprintf(p, "thread %u\n", i % 4);
	n = s2_seq_encode(parse_ok(text), bin, sizeof(bin));
	CHECK_EQ_U64(n, S2_BIN_MAX);
	s2_seq_decode(bin, n, &seq_b);
	CHECK_EQ_STR(print_seq(&seq_b), text);
}

TEST(test_decode_takes_schedule_records_anywhere)
{
	uint8_t bin[S2_BIN_HEADER + 4 * S2_BIN_RECORD] = { 0, 0, 1 };
	uint8_t *rec = bin + S2_BIN_HEADER;

	put_record(rec, S2_OP_MKYOUNG, 0, 1, 0, 0);
	rec[S2_BIN_RECORD] = S2_BIN_SCHED_KIND;
	rec[S2_BIN_RECORD + 1] = 2;
	rec[S2_BIN_RECORD + 2] = 0xaa;
	rec[S2_BIN_RECORD + 3] = 0xbb;
	rec[S2_BIN_RECORD + 4] = 0xcc;
	put_record(rec + 2 * S2_BIN_RECORD, S2_OP_MKYOUNG, 0, 2, 0, 0);
	/* A length past 14 takes the whole record. */
	memset(rec + 3 * S2_BIN_RECORD, 0xff, S2_BIN_RECORD);
	s2_seq_decode(bin, sizeof(bin), &seq_a);
	CHECK_EQ_U64(seq_a.nr_ops, 2);
	CHECK_EQ_U64(seq_a.ops[1].ipa, 0x2000);
	CHECK_EQ_STR(print_seq(&seq_a),
		     "schedule aa bb ff ff ff ff ff ff ff ff ff ff ff ff ff ff\n"
		     "mkyoung 0x1000\nmkyoung 0x2000\n");
}

TEST(test_decode_schedule_mode_comes_from_the_header)
{
	uint8_t bin[S2_BIN_HEADER + 3 * S2_BIN_RECORD] = { 0 };
	uint8_t *rec = bin + S2_BIN_HEADER;

	memset(rec, S2_BIN_SCHED_KIND, 2 * S2_BIN_RECORD);
	rec[S2_BIN_RECORD + 2] = 0x42;
	put_record(rec + 2 * S2_BIN_RECORD, 0xfe, 0, 0, 1, 0);
	/* No schedule (0, or 3 folded): the records are ignored. */
	s2_seq_decode(bin, sizeof(bin), &seq_a);
	CHECK_EQ_U64(seq_a.sched.mode, S2_SCHED_NONE);
	CHECK_EQ_U64(seq_a.nr_ops, 1);
	CHECK_EQ_U64(seq_a.ops[0].kind, 0xfe % S2_OP_COUNT);
	bin[2] = 3;
	s2_seq_decode(bin, sizeof(bin), &seq_a);
	CHECK_EQ_U64(seq_a.sched.mode, S2_SCHED_NONE);
	/* PCT: depth from byte 3, the seed of the last record. */
	bin[2] = 2;
	bin[3] = 0x13;
	s2_seq_decode(bin, sizeof(bin), &seq_a);
	CHECK_EQ_U64(seq_a.sched.mode, S2_SCHED_PCT);
	CHECK_EQ_U64(seq_a.sched.depth, 4);
	CHECK_EQ_U64(seq_a.sched.seed, 0xffffffffffffff42ULL);
	/* Bytes without a byte are no schedule. */
	bin[2] = 1;
	rec[1] = 0;
	rec[S2_BIN_RECORD + 1] = 0;
	s2_seq_decode(bin, sizeof(bin), &seq_a);
	CHECK_EQ_U64(seq_a.sched.mode, S2_SCHED_NONE);
	s2_seq_decode(bin, S2_BIN_HEADER, &seq_a);
	CHECK_EQ_U64(seq_a.sched.mode, S2_SCHED_NONE);
}

TEST(test_decode_drops_schedule_bytes_past_the_limit)
{
	uint8_t bin[S2_BIN_HEADER + 6 * S2_BIN_RECORD] = { 0, 0, 1 };
	unsigned int i, j;
	uint8_t *rec;

	for (i = 0; i < 6; i++) {
		rec = bin + S2_BIN_HEADER + i * S2_BIN_RECORD;
		rec[0] = S2_BIN_SCHED_KIND;
		rec[1] = 14;
		for (j = 0; j < 14; j++)
			rec[2 + j] = i * 14 + j;
	}
	s2_seq_decode(bin, sizeof(bin), &seq_a);
	CHECK_EQ_U64(seq_a.sched.nr_bytes, S2_SCHED_MAX_BYTES);
	for (i = 0; i < S2_SCHED_MAX_BYTES; i++)
		CHECK_EQ_U64(seq_a.sched.bytes[i], i);
	CHECK_EQ_U64(seq_a.nr_ops, 0);
}

TEST(test_init_clears_the_schedule)
{
	parse_ok("schedule pct 7 7\n");
	s2_seq_init(&seq_a);
	CHECK_EQ_U64(seq_a.sched.mode, S2_SCHED_NONE);
	CHECK_EQ_U64(seq_a.sched.seed, 0);
	CHECK_EQ_U64(seq_a.sched.depth, 0);
	parse_ok("schedule 01 02\n");
	s2_seq_init(&seq_a);
	CHECK_EQ_U64(seq_a.sched.nr_bytes, 0);
}

TEST(test_sched_print_prefixes_every_line)
{
	FILE *f;

	parse_ok("schedule 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f "
		 "10\n");
	f = check_capture_start();
	s2_sched_print(&seq_a.sched, " * ", f);
	CHECK_EQ_STR(check_capture_end(f),
		     " * schedule 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n"
		     " * schedule 10\n");
	s2_seq_init(&seq_a);
	f = check_capture_start();
	s2_sched_print(&seq_a.sched, " * ", f);
	CHECK_EQ_STR(check_capture_end(f), "");
}

int main(void)
{
	RUN(test_init_sets_defaults);
	RUN(test_decode_short_input_gives_defaults);
	RUN(test_decode_header_sets_features_and_ipa_bits);
	RUN(test_decode_ignores_trailing_partial_record);
	RUN(test_decode_stops_at_max_ops);
	RUN(test_decode_stops_at_the_entry_budget);
	RUN(test_encode_drops_ops_past_the_entry_budget);
	RUN(test_a_split_costs_its_cache_not_its_range);
	RUN(test_decode_keeps_in_range_values);
	RUN(test_decode_reduces_kind_modulo_op_count);
	RUN(test_decode_folds_ipa_into_window);
	RUN(test_decode_folds_size_into_block_multiples);
	RUN(test_decode_clamps_folded_size_to_ipa_space);
	RUN(test_decode_folds_pa_to_whole_gib_past_the_ipa);
	RUN(test_decode_caps_sizes);
	RUN(test_decode_keeps_pa_range_inside_pa_space);
	RUN(test_decode_zeroes_fields_the_op_does_not_use);
	RUN(test_decode_reads_page_only_for_ops_that_take_it);
	RUN(test_encode_writes_header);
	RUN(test_encode_rejects_short_buffer);
	RUN(test_encode_inverts_decode_of_in_range_records);
	RUN(test_every_op_kind_survives_text_and_binary);
	RUN(test_random_ipas_fold_into_window_mostly);
	RUN(test_random_bytes_survive_print_parse_round_trip);
	RUN(test_random_schedules_survive_print_parse_round_trip);
	RUN(test_size_format_picks_largest_exact_suffix);
	RUN(test_prot_format_orders_letters);
	RUN(test_print_writes_header_only_when_not_default);
	RUN(test_print_canonicalizes_parsed_text);
	RUN(test_op_print_ends_the_line);
	RUN(test_op_name_matches_table);
	RUN(test_help_lists_every_op_and_directive);
	RUN(test_parse_accepts_number_forms);
	RUN(test_parse_skips_comments_and_blank_lines);
	RUN(test_parse_accepts_prot_letters_in_any_order);
	RUN(test_parse_accepts_header_directives);
	RUN(test_parse_accepts_limits_of_each_space);
	RUN(test_parse_rejects_unknown_op);
	RUN(test_parse_rejects_missing_argument);
	RUN(test_parse_rejects_extra_argument);
	RUN(test_parse_rejects_bad_numbers);
	RUN(test_parse_rejects_overflowing_numbers);
	RUN(test_parse_rejects_bad_prot);
	RUN(test_parse_rejects_unaligned_addresses);
	RUN(test_parse_rejects_zero_size);
	RUN(test_parse_rejects_range_beyond_ipa_space);
	RUN(test_parse_rejects_single_ipa_beyond_ipa_space);
	RUN(test_parse_rejects_pa_beyond_pa_space);
	RUN(test_parse_rejects_id_and_count_above_255);
	RUN(test_parse_rejects_misspelt_page);
	RUN(test_parse_rejects_size_the_binary_form_cannot_hold);
	RUN(test_parse_rejects_too_many_ops);
	RUN(test_parse_rejects_directive_after_op);
	RUN(test_parse_rejects_repeated_directive);
	RUN(test_parse_rejects_bad_features);
	RUN(test_parse_rejects_bad_ipa_bits);
	RUN(test_parse_error_names_the_file_and_fits_the_buffer);
	RUN(test_thread_ops_parse_and_print);
	RUN(test_parse_rejects_bad_thread);
	RUN(test_decode_folds_thread_number);
	RUN(test_schedule_lines_append_bytes);
	RUN(test_schedule_bytes_print_16_a_line);
	RUN(test_schedule_pct_parses_and_prints);
	RUN(test_parse_rejects_bad_schedule_bytes);
	RUN(test_parse_rejects_bad_schedule_pct);
	RUN(test_encode_puts_the_schedule_first);
	RUN(test_schedules_survive_binary_round_trip);
	RUN(test_decode_takes_schedule_records_anywhere);
	RUN(test_decode_schedule_mode_comes_from_the_header);
	RUN(test_decode_drops_schedule_bytes_past_the_limit);
	RUN(test_init_clears_the_schedule);
	RUN(test_sched_print_prefixes_every_line);
	return check_summary();
}
