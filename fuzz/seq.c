// SPDX-License-Identifier: GPL-2.0-only
/*
 * The binary and text forms of a test case.  Everything about an op comes
 * from S2_OPS, so adding an op to fuzz/ops.h needs no change here.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "seq.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define S2_XSTR(x) #x
#define S2_STR(x) S2_XSTR(x)

#define S2_ARG_KINDS(X)                                                        \
	X(NONE) X(IPA) X(SIZE) X(PA) X(PROT) X(PAGE) X(ID) X(COUNT) X(N)

enum s2_arg {
#define S2_ARG_ENUM(a) S2_ARG_##a,
	S2_ARG_KINDS(S2_ARG_ENUM)
#undef S2_ARG_ENUM
};

/* The names double as the help text and the "missing argument" message. */
static const char *const s2_arg_names[] = {
#define S2_ARG_NAME(a) [S2_ARG_##a] = #a,
	S2_ARG_KINDS(S2_ARG_NAME)
#undef S2_ARG_NAME
};

/* The largest value of the arguments held in op->count. */
static const uint8_t s2_arg_max[ARRAY_SIZE(s2_arg_names)] = {
	[S2_ARG_ID] = UINT8_MAX,
	[S2_ARG_COUNT] = UINT8_MAX,
	[S2_ARG_N] = S2_MAX_THREADS,
};

#define S2_ARG_BIT(a) (1u << S2_ARG_##a)
#define S2_ARG_MASK(a0, a1, a2, a3)                                            \
	((S2_ARG_BIT(a0) | S2_ARG_BIT(a1) | S2_ARG_BIT(a2) | S2_ARG_BIT(a3)) & \
	 ~S2_ARG_BIT(NONE))

struct s2_op_desc {
	const char *word;
	unsigned char args[4];	/* enum s2_arg, in text order */
	unsigned int mask;	/* S2_ARG_BIT() of each argument */
	const char *help;
};

static const struct s2_op_desc s2_op_descs[S2_OP_COUNT] = {
#define S2_OP_DESC(e, w, a0, a1, a2, a3, h)                                    \
	[S2_OP_##e] = {                                                        \
		w,                                                             \
		{ S2_ARG_##a0, S2_ARG_##a1, S2_ARG_##a2, S2_ARG_##a3 },        \
		S2_ARG_MASK(a0, a1, a2, a3),                                   \
		h,                                                             \
	},
	S2_OPS(S2_OP_DESC)
#undef S2_OP_DESC
};

/* Record byte 1 holds prot and page, or the count: an op can't need both. */
#define S2_BYTE1_PROT (S2_ARG_BIT(PROT) | S2_ARG_BIT(PAGE))
#define S2_BYTE1_COUNT (S2_ARG_BIT(ID) | S2_ARG_BIT(COUNT) | S2_ARG_BIT(N))
#define S2_OP_BYTE1_CHECK(e, w, a0, a1, a2, a3, h)                             \
	_Static_assert(!(S2_ARG_MASK(a0, a1, a2, a3) & S2_BYTE1_PROT) ||       \
		       !(S2_ARG_MASK(a0, a1, a2, a3) & S2_BYTE1_COUNT),        \
		       "op '" w "' needs record byte 1 twice");
S2_OPS(S2_OP_BYTE1_CHECK)
#undef S2_OP_BYTE1_CHECK

/* A folded IPA must still fit the smallest IPA space. */
_Static_assert(S2_FOLD_WINDOW <= 1ULL << S2_IPA_BITS_MIN,
	       "the fold window exceeds the smallest IPA space");

#define S2_PA_TOP (1ULL << S2_PA_BITS)
/* The record's size field counts pages in 32 bits. */
#define S2_BIN_SIZE_MAX ((uint64_t)UINT32_MAX << S2_PAGE_SHIFT)

/* Offsets and widths of the record fields, see seq.h. */
#define S2_REC_KIND 0
#define S2_REC_BYTE1 1
#define S2_REC_IPA 2
#define S2_REC_IPA_LEN 5
#define S2_REC_SIZE 7
#define S2_REC_SIZE_LEN 4
#define S2_REC_PA 11
#define S2_REC_PA_LEN 5
#define S2_REC_PAGE_SHIFT 4
#define S2_REC_SCHED_LEN 1
#define S2_REC_SCHED_DATA 2
#define S2_REC_SEED_LEN 8
#define S2_HDR_SCHED_MODE 2
#define S2_HDR_SCHED_DEPTH 3
#define S2_SCHED_MODES 3

static const struct {
	unsigned int bit;
	const char *word;
} s2_features[] = {
	{ S2_FEAT_FWB, "fwb" },
	{ S2_FEAT_TLB_RANGE, "tlb-range" },
};

static const struct {
	char letter;
	unsigned int bit;
	const char *meaning;
} s2_prots[] = {
	{ 'r', S2_PROT_R, "read" },
	{ 'w', S2_PROT_W, "write" },
	{ 'x', S2_PROT_X, "exec" },
	{ 'd', S2_PROT_DEVICE, "device" },
};

/* Largest first, so the printer picks the shortest exact form. */
static const struct {
	char suffix;
	unsigned int shift;
} s2_units[] = {
	{ 'G', 30 },
	{ 'M', 20 },
	{ 'K', 10 },
};

const char *s2_op_name(unsigned int kind)
{
	/* Callers print this; a bad kind must not crash a diagnostic. */
	if (kind >= S2_OP_COUNT)
		return "?";
	return s2_op_descs[kind].word;
}

void s2_seq_init(struct s2_seq *seq)
{
	seq->features = 0;
	seq->ipa_bits = S2_IPA_BITS_DEFAULT;
	seq->nr_ops = 0;
	memset(&seq->sched, 0, sizeof(seq->sched));
}

/* Binary form */

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = v & 0xff;
}

static unsigned int decode_ipa_bits(uint8_t b)
{
	/* 0 is the default so that an all-zero header is the common case. */
	if (!b)
		return S2_IPA_BITS_DEFAULT;
	return S2_IPA_BITS_MIN +
	       (b - 1) % (S2_IPA_BITS_MAX - S2_IPA_BITS_MIN + 1);
}

static uint8_t encode_ipa_bits(unsigned int ipa_bits)
{
	if (ipa_bits == S2_IPA_BITS_DEFAULT)
		return 0;
	return ipa_bits - S2_IPA_BITS_MIN + 1;
}

static uint64_t decode_ipa(unsigned int ipa_bits, uint64_t pages)
{
	if (pages < 1ULL << (ipa_bits - S2_PAGE_SHIFT))
		return pages << S2_PAGE_SHIFT;
	/* Random IPAs would almost never meet: crowd them together. */
	return (pages % (S2_FOLD_WINDOW >> S2_PAGE_SHIFT)) << S2_PAGE_SHIFT;
}

static uint64_t decode_size(unsigned int ipa_bits, uint64_t ipa, uint64_t pages)
{
	/* Folded sizes favour block sizes, where the interesting splits are. */
	static const uint64_t unit[4] = { 4ULL << 10, 2ULL << 20, 1ULL << 30,
					  4ULL << 10 };
	uint64_t room = (1ULL << ipa_bits) - ipa;
	uint64_t size;

	if (room > S2_BIN_SIZE_CAP)
		room = S2_BIN_SIZE_CAP;

	if (pages && pages << S2_PAGE_SHIFT <= room)
		return pages << S2_PAGE_SHIFT;
	size = unit[pages & 3] * (1 + ((pages >> 2) & 7));
	return size < room ? size : room;
}

static uint64_t decode_pa(uint64_t ipa, uint64_t size, uint64_t pages)
{
	uint64_t pa = pages << S2_PAGE_SHIFT;

	/*
	 * A random PA would force page mappings almost always: fold it to
	 * the IPA plus whole GiBs, where blocks of every size are possible.
	 */
	if (pages >= S2_PA_TOP >> S2_PAGE_SHIFT)
		pa = ipa + (1 + (pages & 3)) * (1ULL << 30);

	/* The end of the range must fit too, or the parser would reject it. */
	if (pa > S2_PA_TOP - size)
		pa = S2_PA_TOP - size;
	return pa;
}

/* The largest count the op takes, 0 if it takes none. */
static unsigned int count_max(const struct s2_op_desc *d)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->args); i++)
		if (s2_arg_max[d->args[i]])
			return s2_arg_max[d->args[i]];
	return 0;
}

static void decode_op(unsigned int ipa_bits, const uint8_t *rec,
		      struct s2_op *op)
{
	unsigned int args;

	/* Unused fields stay 0 so that the decoded op prints canonically. */
	memset(op, 0, sizeof(*op));
	op->kind = rec[S2_REC_KIND] % S2_OP_COUNT;
	args = s2_op_descs[op->kind].mask;
	if (args & S2_ARG_BIT(PROT))
		op->prot = rec[S2_REC_BYTE1] & S2_PROT_MASK;
	if (args & S2_ARG_BIT(PAGE))
		op->page = (rec[S2_REC_BYTE1] >> S2_REC_PAGE_SHIFT) & 1;
	if (args & S2_BYTE1_COUNT)
		op->count = rec[S2_REC_BYTE1] %
			    (count_max(&s2_op_descs[op->kind]) + 1);
	if (args & S2_ARG_BIT(IPA))
		op->ipa = decode_ipa(ipa_bits,
				     get_le(rec + S2_REC_IPA, S2_REC_IPA_LEN));
	if (args & S2_ARG_BIT(SIZE))
		op->size = decode_size(ipa_bits, op->ipa,
				       get_le(rec + S2_REC_SIZE,
					      S2_REC_SIZE_LEN));
	if (args & S2_ARG_BIT(PA))
		op->pa = decode_pa(op->ipa, op->size,
				   get_le(rec + S2_REC_PA, S2_REC_PA_LEN));
}

/* The pages a split gets: the memcache op before it, or KVM's default. */
static uint64_t split_pages(const struct s2_op *op, const struct s2_op *prev)
{
	if (prev && prev->kind == S2_OP_MEMCACHE)
		return prev->count;
	return s2_split_cache_pages(op->size);
}

/* The entries an op may write, at most (S2_BIN_ENTRY_BUDGET). */
static uint64_t op_entries(const struct s2_op *op, const struct s2_op *prev)
{
	uint64_t offset = op->pa - op->ipa;
	unsigned int shift = S2_PAGE_SHIFT;

	switch (op->kind) {
	case S2_OP_MAP:
		/* The largest block the IPA-to-PA offset allows. */
		if (!(offset & ((1ULL << 30) - 1)))
			shift = 30;
		else if (!(offset & ((1ULL << 21) - 1)))
			shift = 21;
		return op->size >> shift ? op->size >> shift : 1;
	case S2_OP_SPLIT:
		/*
		 * Each table page holds 512 entries, whatever the range: a
		 * 4K split of a 1G block writes 1024.
		 */
		return 512 * split_pages(op, prev);
	case S2_OP_OWNER:	/* annotates page by page (force_pte) */
		return op->size >> S2_PAGE_SHIFT;
	default:
		return 1;
	}
}

unsigned int s2_seq_ops_in_budget(const struct s2_seq *seq)
{
	uint64_t entries = 0;
	unsigned int i;

	for (i = 0; i < seq->nr_ops; i++) {
		entries += op_entries(&seq->ops[i],
				      i ? &seq->ops[i - 1] : NULL);
		if (entries > S2_BIN_ENTRY_BUDGET)
			break;
	}
	return i;
}

static void decode_sched_header(const uint8_t *hdr, struct s2_schedule *s)
{
	s->mode = hdr[S2_HDR_SCHED_MODE] % S2_SCHED_MODES;
	if (s->mode == S2_SCHED_PCT)
		s->depth = 1 + hdr[S2_HDR_SCHED_DEPTH] % S2_SCHED_MAX_DEPTH;
}

static void decode_sched_record(const uint8_t *rec, struct s2_schedule *s)
{
	unsigned int n = rec[S2_REC_SCHED_LEN];

	if (s->mode == S2_SCHED_PCT)
		s->seed = get_le(rec + S2_REC_SCHED_DATA, S2_REC_SEED_LEN);
	if (s->mode != S2_SCHED_BYTES)
		return;
	if (n > S2_BIN_SCHED_BYTES)
		n = S2_BIN_SCHED_BYTES;
	if (n > S2_SCHED_MAX_BYTES - s->nr_bytes)
		n = S2_SCHED_MAX_BYTES - s->nr_bytes;
	memcpy(s->bytes + s->nr_bytes, rec + S2_REC_SCHED_DATA, n);
	s->nr_bytes += n;
}

void s2_seq_decode(const uint8_t *data, size_t len, struct s2_seq *seq)
{
	s2_seq_init(seq);
	if (len < S2_BIN_HEADER)
		return;
	seq->features = data[0] & S2_FEAT_MASK;
	seq->ipa_bits = decode_ipa_bits(data[1]);
	decode_sched_header(data, &seq->sched);
	data += S2_BIN_HEADER;
	len -= S2_BIN_HEADER;
	while (len >= S2_BIN_RECORD && seq->nr_ops < S2_MAX_OPS) {
		if (data[S2_REC_KIND] == S2_BIN_SCHED_KIND)
			decode_sched_record(data, &seq->sched);
		else
			decode_op(seq->ipa_bits, data,
				  &seq->ops[seq->nr_ops++]);
		data += S2_BIN_RECORD;
		len -= S2_BIN_RECORD;
	}
	/* The text form has no empty bytes schedule: that is no schedule. */
	if (seq->sched.mode == S2_SCHED_BYTES && !seq->sched.nr_bytes)
		seq->sched.mode = S2_SCHED_NONE;
	seq->nr_ops = s2_seq_ops_in_budget(seq);
}

static void encode_op(const struct s2_op *op, uint8_t *rec)
{
	unsigned int args = s2_op_descs[op->kind].mask;

	memset(rec, 0, S2_BIN_RECORD);
	rec[S2_REC_KIND] = op->kind;
	if (args & S2_ARG_BIT(PROT))
		rec[S2_REC_BYTE1] = op->prot & S2_PROT_MASK;
	if ((args & S2_ARG_BIT(PAGE)) && op->page)
		rec[S2_REC_BYTE1] |= 1 << S2_REC_PAGE_SHIFT;
	if (args & S2_BYTE1_COUNT)
		rec[S2_REC_BYTE1] = op->count;
	if (args & S2_ARG_BIT(IPA))
		put_le(rec + S2_REC_IPA, op->ipa >> S2_PAGE_SHIFT,
		       S2_REC_IPA_LEN);
	if (args & S2_ARG_BIT(SIZE))
		put_le(rec + S2_REC_SIZE, op->size >> S2_PAGE_SHIFT,
		       S2_REC_SIZE_LEN);
	if (args & S2_ARG_BIT(PA))
		put_le(rec + S2_REC_PA, op->pa >> S2_PAGE_SHIFT, S2_REC_PA_LEN);
}

unsigned int s2_sched_records(const struct s2_schedule *sched)
{
	switch (sched->mode) {
	case S2_SCHED_BYTES:
		return (sched->nr_bytes + S2_BIN_SCHED_BYTES - 1) /
		       S2_BIN_SCHED_BYTES;
	case S2_SCHED_PCT:
		return 1;
	default:
		return 0;
	}
}

/* Header bytes 2 and 3, and the schedule records from rec on. */
static void encode_sched(const struct s2_schedule *s, uint8_t *hdr,
			 uint8_t *rec)
{
	unsigned int i, n, left = s->nr_bytes;

	hdr[S2_HDR_SCHED_MODE] = s->mode;
	hdr[S2_HDR_SCHED_DEPTH] = s->mode == S2_SCHED_PCT ? s->depth - 1 : 0;
	for (i = 0; i < s2_sched_records(s); i++, rec += S2_BIN_RECORD) {
		memset(rec, 0, S2_BIN_RECORD);
		rec[S2_REC_KIND] = S2_BIN_SCHED_KIND;
		if (s->mode == S2_SCHED_PCT) {
			put_le(rec + S2_REC_SCHED_DATA, s->seed,
			       S2_REC_SEED_LEN);
			continue;
		}
		n = left < S2_BIN_SCHED_BYTES ? left : S2_BIN_SCHED_BYTES;
		rec[S2_REC_SCHED_LEN] = n;
		memcpy(rec + S2_REC_SCHED_DATA,
		       s->bytes + i * S2_BIN_SCHED_BYTES, n);
		left -= n;
	}
}

size_t s2_seq_encode(const struct s2_seq *seq, uint8_t *buf, size_t len)
{
	unsigned int i, nr = s2_seq_ops_in_budget(seq);
	unsigned int nr_sched = s2_sched_records(&seq->sched);
	size_t need = S2_BIN_HEADER + (size_t)(nr_sched + nr) * S2_BIN_RECORD;
	uint8_t *rec = buf + S2_BIN_HEADER + nr_sched * S2_BIN_RECORD;

	if (len < need)
		return 0;
	buf[0] = seq->features & S2_FEAT_MASK;
	buf[1] = encode_ipa_bits(seq->ipa_bits);
	encode_sched(&seq->sched, buf, buf + S2_BIN_HEADER);
	for (i = 0; i < nr; i++, rec += S2_BIN_RECORD)
		encode_op(&seq->ops[i], rec);
	return need;
}

/* Text form */

struct s2_word {
	const char *s;
	int len;		/* int for "%.*s" */
};

struct s2_parser {
	const char *pos;	/* next unread character of the line */
	const char *end;	/* where the line's words stop: '#' or '\n' */
	const char *file;
	unsigned int line;
	unsigned int seen;	/* bit i: s2_directives[i] was given */
	struct s2_seq *seq;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int parse_error(struct s2_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "%s:%u: ", p->file, p->line);

	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_blank(char c)
{
	/* '\r' too, so that files with CRLF line ends parse. */
	return c == ' ' || c == '\t' || c == '\r';
}

static bool next_word(struct s2_parser *p, struct s2_word *w)
{
	while (p->pos < p->end && is_blank(*p->pos))
		p->pos++;
	if (p->pos == p->end)
		return false;
	w->s = p->pos;
	while (p->pos < p->end && !is_blank(*p->pos))
		p->pos++;
	w->len = p->pos - w->s;
	return true;
}

static bool word_is(const struct s2_word *w, const char *s)
{
	return strlen(s) == (size_t)w->len && !memcmp(w->s, s, w->len);
}

static int expect_end(struct s2_parser *p, const char *what)
{
	struct s2_word w;

	if (!next_word(p, &w))
		return 0;
	return parse_error(p, "%s: extra argument '%.*s'", what, w.len, w.s);
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned int suffix_shift(char c)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s2_units); i++)
		if (toupper((unsigned char)c) == s2_units[i].suffix)
			return s2_units[i].shift;
	return 0;
}

/*
 * Decimal with an optional K/M/G suffix, or 0x hex.  Hex takes no suffix:
 * "0x1g" is more likely a typo than 4 GiB.
 */
static int parse_number(struct s2_parser *p, const struct s2_word *w,
			uint64_t *val)
{
	const char *s = w->s, *end = w->s + w->len;
	unsigned int base = 10, shift = 0;
	uint64_t v = 0;

	if (w->len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else {
		shift = suffix_shift(end[-1]);
		if (shift)
			end--;
	}
	if (s == end)
		return parse_error(p, "bad number '%.*s'", w->len, w->s);
	for (; s < end; s++) {
		int d = digit_value(*s);

		if (d < 0 || (unsigned int)d >= base)
			return parse_error(p, "bad number '%.*s'", w->len,
					   w->s);
		if (v > (UINT64_MAX - d) / base)
			return parse_error(p, "number '%.*s' too large", w->len,
					   w->s);
		v = v * base + d;
	}
	if (v > UINT64_MAX >> shift)
		return parse_error(p, "number '%.*s' too large", w->len, w->s);
	*val = v << shift;
	return 0;
}

static int parse_prot(struct s2_parser *p, const struct s2_word *w,
		      uint8_t *prot)
{
	unsigned int i, bit;
	int j;

	*prot = 0;
	if (word_is(w, "-"))
		return 0;
	for (j = 0; j < w->len; j++) {
		bit = 0;
		for (i = 0; i < ARRAY_SIZE(s2_prots); i++)
			if (w->s[j] == s2_prots[i].letter)
				bit = s2_prots[i].bit;
		if (!bit || (*prot & bit))
			return parse_error(p, "bad prot '%.*s'", w->len, w->s);
		*prot |= bit;
	}
	return 0;
}

static int parse_address(struct s2_parser *p, const struct s2_op_desc *d,
			 enum s2_arg arg, const struct s2_word *w,
			 uint64_t v, struct s2_op *op)
{
	if (v & (S2_PAGE_SIZE - 1))
		return parse_error(p, "%s: %s '%.*s' not a multiple of 4K",
				   d->word, s2_arg_names[arg], w->len, w->s);
	if (arg == S2_ARG_SIZE && !v)
		return parse_error(p, "%s: SIZE '%.*s' is zero", d->word,
				   w->len, w->s);
	if (arg == S2_ARG_IPA)
		op->ipa = v;
	else if (arg == S2_ARG_SIZE)
		op->size = v;
	else
		op->pa = v;
	return 0;
}

static int parse_arg(struct s2_parser *p, const struct s2_op_desc *d,
		     enum s2_arg arg, const struct s2_word *w, struct s2_op *op)
{
	uint64_t v;

	if (arg == S2_ARG_PROT)
		return parse_prot(p, w, &op->prot);
	if (arg == S2_ARG_PAGE) {
		if (!word_is(w, "page"))
			return parse_error(p, "%s: expected 'page', not '%.*s'",
					   d->word, w->len, w->s);
		op->page = true;
		return 0;
	}
	if (parse_number(p, w, &v))
		return -1;
	if (!s2_arg_max[arg])
		return parse_address(p, d, arg, w, v, op);
	if (v > s2_arg_max[arg])
		return parse_error(p, "%s: %s '%.*s' not in 0..%u", d->word,
				   s2_arg_names[arg], w->len, w->s,
				   s2_arg_max[arg]);
	op->count = v;
	return 0;
}

/* The checks that need several arguments; words[] is indexed by kind. */
static int check_op(struct s2_parser *p, const struct s2_op_desc *d,
		    const struct s2_word *words, const struct s2_op *op)
{
	const struct s2_word *ipa = &words[S2_ARG_IPA];
	const struct s2_word *size = &words[S2_ARG_SIZE];
	const struct s2_word *pa = &words[S2_ARG_PA];
	unsigned int bits = p->seq->ipa_bits;
	uint64_t top = 1ULL << bits;

	if (d->mask & S2_ARG_BIT(SIZE)) {
		if (op->size > top || op->ipa > top - op->size)
			return parse_error(p,
				"%s: IPA '%.*s' + SIZE '%.*s' beyond the %u-bit IPA space",
				d->word, ipa->len, ipa->s, size->len, size->s,
				bits);
		/* Only 16T at IPA 0 of a 44-bit space gets here. */
		if (op->size > S2_BIN_SIZE_MAX)
			return parse_error(p,
				"%s: SIZE '%.*s' too large for the binary form",
				d->word, size->len, size->s);
	} else if ((d->mask & S2_ARG_BIT(IPA)) && op->ipa >= top) {
		return parse_error(p,
			"%s: IPA '%.*s' beyond the %u-bit IPA space",
			d->word, ipa->len, ipa->s, bits);
	}
	if ((d->mask & S2_ARG_BIT(PA)) &&
	    (op->pa >= S2_PA_TOP || op->size > S2_PA_TOP - op->pa))
		return parse_error(p,
			"%s: PA '%.*s' + SIZE '%.*s' beyond the %d-bit PA space",
			d->word, pa->len, pa->s, size->len, size->s,
			S2_PA_BITS);
	return 0;
}

static int parse_op(struct s2_parser *p, unsigned int kind)
{
	const struct s2_op_desc *d = &s2_op_descs[kind];
	struct s2_word words[ARRAY_SIZE(s2_arg_names)] = { { 0 } };
	struct s2_seq *seq = p->seq;
	struct s2_op *op;
	unsigned int i;

	if (seq->nr_ops == S2_MAX_OPS)
		return parse_error(p, "too many ops (max %d)", S2_MAX_OPS);
	op = &seq->ops[seq->nr_ops];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->line = p->line;
	for (i = 0; i < ARRAY_SIZE(d->args) && d->args[i] != S2_ARG_NONE; i++) {
		enum s2_arg arg = d->args[i];

		if (!next_word(p, &words[arg])) {
			if (arg == S2_ARG_PAGE)
				break;
			return parse_error(p, "%s: missing argument %s",
					   d->word, s2_arg_names[arg]);
		}
		if (parse_arg(p, d, arg, &words[arg], op))
			return -1;
	}
	if (expect_end(p, d->word) || check_op(p, d, words, op))
		return -1;
	seq->nr_ops++;
	return 0;
}

static int parse_features(struct s2_parser *p)
{
	struct s2_word w;
	unsigned int i, bit;

	while (next_word(p, &w)) {
		bit = 0;
		for (i = 0; i < ARRAY_SIZE(s2_features); i++)
			if (word_is(&w, s2_features[i].word))
				bit = s2_features[i].bit;
		if (!bit)
			return parse_error(p,
				"features: unknown feature '%.*s'", w.len, w.s);
		if (p->seq->features & bit)
			return parse_error(p, "features: '%.*s' given twice",
					   w.len, w.s);
		p->seq->features |= bit;
	}
	return 0;
}

static int parse_ipa_bits(struct s2_parser *p)
{
	struct s2_word w;
	uint64_t v;

	if (!next_word(p, &w))
		return parse_error(p, "ipa-bits: missing argument N");
	if (parse_number(p, &w, &v))
		return -1;
	if (v < S2_IPA_BITS_MIN || v > S2_IPA_BITS_MAX)
		return parse_error(p, "ipa-bits: '%.*s' not in %d..%d", w.len,
				   w.s, S2_IPA_BITS_MIN, S2_IPA_BITS_MAX);
	p->seq->ipa_bits = v;
	return 0;
}

static int parse_pct(struct s2_parser *p)
{
	struct s2_schedule *s = &p->seq->sched;
	struct s2_word w;
	uint64_t depth;

	if (s->mode == S2_SCHED_PCT)
		return parse_error(p, "schedule: pct given twice");
	if (s->mode == S2_SCHED_BYTES)
		return parse_error(p, "schedule: pct and bytes do not mix");
	if (!next_word(p, &w))
		return parse_error(p, "schedule: missing argument SEED");
	if (parse_number(p, &w, &s->seed))
		return -1;
	if (!next_word(p, &w))
		return parse_error(p, "schedule: missing argument DEPTH");
	if (parse_number(p, &w, &depth))
		return -1;
	if (depth < 1 || depth > S2_SCHED_MAX_DEPTH)
		return parse_error(p, "schedule: DEPTH '%.*s' not in 1..%d",
				   w.len, w.s, S2_SCHED_MAX_DEPTH);
	s->mode = S2_SCHED_PCT;
	s->depth = depth;
	return 0;
}

/* One word of schedule bytes: hex digit pairs, appended. */
static int parse_hex_bytes(struct s2_parser *p, const struct s2_word *w)
{
	struct s2_schedule *s = &p->seq->sched;
	int i, hi, lo;

	if (w->len % 2)
		return parse_error(p,
			"schedule: odd number of hex digits in '%.*s'",
			w->len, w->s);
	for (i = 0; i < w->len; i += 2) {
		hi = digit_value(w->s[i]);
		lo = digit_value(w->s[i + 1]);
		if (hi < 0 || lo < 0)
			return parse_error(p, "schedule: bad hex '%.*s'",
					   w->len, w->s);
		if (s->nr_bytes == S2_SCHED_MAX_BYTES)
			return parse_error(p, "schedule: more than %d bytes",
					   S2_SCHED_MAX_BYTES);
		s->bytes[s->nr_bytes++] = hi << 4 | lo;
	}
	return 0;
}

static int parse_schedule(struct s2_parser *p)
{
	struct s2_word w;

	if (!next_word(p, &w))
		return parse_error(p, "schedule: missing argument HEX");
	if (word_is(&w, "pct"))
		return parse_pct(p);
	if (p->seq->sched.mode == S2_SCHED_PCT)
		return parse_error(p, "schedule: pct and bytes do not mix");
	p->seq->sched.mode = S2_SCHED_BYTES;
	do {
		if (parse_hex_bytes(p, &w))
			return -1;
	} while (next_word(p, &w));
	return 0;
}

/* repeats: later lines add to the first, rather than being an error. */
static const struct {
	const char *word;
	int (*parse)(struct s2_parser *p);
	bool repeats;
} s2_directives[] = {
	{ "features", parse_features, false },
	{ "ipa-bits", parse_ipa_bits, false },
	{ "schedule", parse_schedule, true },
};

static int parse_directive(struct s2_parser *p, unsigned int i)
{
	const char *word = s2_directives[i].word;

	/* The header is one record for the whole sequence, not per op. */
	if (p->seq->nr_ops)
		return parse_error(p, "%s: must come before the first op",
				   word);
	if ((p->seen & 1u << i) && !s2_directives[i].repeats)
		return parse_error(p, "%s: given twice", word);
	p->seen |= 1u << i;
	if (s2_directives[i].parse(p))
		return -1;
	return expect_end(p, word);
}

static int parse_line(struct s2_parser *p)
{
	struct s2_word w;
	unsigned int i;

	if (!next_word(p, &w))
		return 0;
	for (i = 0; i < ARRAY_SIZE(s2_directives); i++)
		if (word_is(&w, s2_directives[i].word))
			return parse_directive(p, i);
	for (i = 0; i < S2_OP_COUNT; i++)
		if (word_is(&w, s2_op_descs[i].word))
			return parse_op(p, i);
	return parse_error(p, "unknown op '%.*s'", w.len, w.s);
}

int s2_seq_parse(const char *text, const char *file, struct s2_seq *seq,
		 char *err, size_t errlen)
{
	struct s2_parser p = {
		.file = file,
		.seq = seq,
		.err = err,
		.errlen = errlen,
	};

	s2_seq_init(seq);
	while (*text) {
		const char *nl = strchr(text, '\n');
		const char *eol = nl ? nl : text + strlen(text);
		const char *hash = memchr(text, '#', eol - text);

		p.line++;
		p.pos = text;
		p.end = hash ? hash : eol;
		if (parse_line(&p))
			return -1;
		if (!nl)
			break;
		text = nl + 1;
	}
	return 0;
}

/* Printing */

void s2_prot_format(unsigned int prot, char buf[8])
{
	char *c = buf;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s2_prots); i++)
		if (prot & s2_prots[i].bit)
			*c++ = s2_prots[i].letter;
	if (c == buf)
		*c++ = '-';
	*c = '\0';
}

void s2_size_format(uint64_t size, char buf[32])
{
	unsigned int i, shift;

	for (i = 0; i < ARRAY_SIZE(s2_units); i++) {
		shift = s2_units[i].shift;
		if (size && !(size & ((1ULL << shift) - 1))) {
			snprintf(buf, 32, "%" PRIu64 "%c", size >> shift,
				 s2_units[i].suffix);
			return;
		}
	}
	snprintf(buf, 32, "%" PRIu64, size);
}

static void print_arg(const struct s2_op *op, enum s2_arg arg, FILE *out)
{
	char buf[32];

	switch (arg) {
	case S2_ARG_IPA:
		fprintf(out, " 0x%" PRIx64, op->ipa);
		break;
	case S2_ARG_SIZE:
		s2_size_format(op->size, buf);
		fprintf(out, " %s", buf);
		break;
	case S2_ARG_PA:
		fprintf(out, " 0x%" PRIx64, op->pa);
		break;
	case S2_ARG_PROT:
		s2_prot_format(op->prot, buf);
		fprintf(out, " %s", buf);
		break;
	case S2_ARG_PAGE:
		if (op->page)
			fputs(" page", out);
		break;
	case S2_ARG_ID:
	case S2_ARG_COUNT:
	case S2_ARG_N:
		fprintf(out, " %u", op->count);
		break;
	case S2_ARG_NONE:
		break;
	}
}

void s2_op_print(const struct s2_seq *seq, const struct s2_op *op, FILE *out)
{
	const struct s2_op_desc *d = &s2_op_descs[op->kind];
	unsigned int i;

	/* An op prints the same in any sequence: seq is only context. */
	(void)seq;
	fputs(d->word, out);
	for (i = 0; i < ARRAY_SIZE(d->args); i++)
		print_arg(op, d->args[i], out);
	fputc('\n', out);
}

#define S2_SCHED_BYTES_A_LINE 16

void s2_sched_print(const struct s2_schedule *sched, const char *prefix,
		    FILE *out)
{
	unsigned int i;

	if (sched->mode == S2_SCHED_PCT)
		fprintf(out, "%sschedule pct 0x%" PRIx64 " %u\n", prefix,
			sched->seed, sched->depth);
	if (sched->mode != S2_SCHED_BYTES)
		return;
	for (i = 0; i < sched->nr_bytes; i++) {
		if (!(i % S2_SCHED_BYTES_A_LINE))
			fprintf(out, "%sschedule", prefix);
		fprintf(out, " %02x", sched->bytes[i]);
		if (i % S2_SCHED_BYTES_A_LINE == S2_SCHED_BYTES_A_LINE - 1 ||
		    i + 1 == sched->nr_bytes)
			fputc('\n', out);
	}
}

void s2_seq_print(const struct s2_seq *seq, FILE *out)
{
	unsigned int i;

	if (seq->features) {
		fputs("features", out);
		for (i = 0; i < ARRAY_SIZE(s2_features); i++)
			if (seq->features & s2_features[i].bit)
				fprintf(out, " %s", s2_features[i].word);
		fputc('\n', out);
	}
	if (seq->ipa_bits != S2_IPA_BITS_DEFAULT)
		fprintf(out, "ipa-bits %u\n", seq->ipa_bits);
	s2_sched_print(&seq->sched, "", out);
	for (i = 0; i < seq->nr_ops; i++)
		s2_op_print(seq, &seq->ops[i], out);
}

const char *s2_op_text(const struct s2_seq *seq, const struct s2_op *op,
		       char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	if (!f)
		return "?";
	s2_op_print(seq, op, f);
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* Help */

#define S2_HELP_WIDTH 30

/* Pads a synopsis of n characters so that the help texts line up. */
static void help_text(int n, const char *help, FILE *out)
{
	fprintf(out, "%*s%s\n", n < S2_HELP_WIDTH ? S2_HELP_WIDTH - n : 1, "",
		help);
}

static void help_op(const struct s2_op_desc *d, FILE *out)
{
	int n = fprintf(out, "  %s", d->word);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->args) && d->args[i] != S2_ARG_NONE; i++)
		n += fprintf(out, d->args[i] == S2_ARG_PAGE ? " [page]" : " %s",
			     s2_arg_names[d->args[i]]);
	help_text(n, d->help, out);
}

void s2_ops_help(FILE *out)
{
	unsigned int i;
	int n;

	fputs("ops, one a line ('#' starts a comment):\n", out);
	for (i = 0; i < S2_OP_COUNT; i++)
		help_op(&s2_op_descs[i], out);

	fputs("\nheader directives, before the first op; all but schedule at "
	      "most once:\n", out);
	n = fprintf(out, "  features");
	for (i = 0; i < ARRAY_SIZE(s2_features); i++)
		n += fprintf(out, " [%s]", s2_features[i].word);
	help_text(n, "CPU features modelled for the whole sequence", out);
	n = fprintf(out, "  ipa-bits N");
	help_text(n, "IPA size in bits, " S2_STR(S2_IPA_BITS_MIN) ".."
		  S2_STR(S2_IPA_BITS_MAX) " (default "
		  S2_STR(S2_IPA_BITS_DEFAULT) ")", out);
	n = fprintf(out, "  schedule HEX...");
	help_text(n, "which thread runs at each scheduling point: hex byte "
		  "pairs, up to " S2_STR(S2_SCHED_MAX_BYTES) " in all lines "
		  "(default: each thread to its end in turn)", out);
	n = fprintf(out, "  schedule pct SEED DEPTH");
	help_text(n, "or PCT: random priorities from SEED, DEPTH 1.."
		  S2_STR(S2_SCHED_MAX_DEPTH), out);

	fputs("\narguments:\n"
	      "  numbers: decimal with an optional K, M or G suffix, or 0x hex\n"
	      "  IPA, SIZE and PA are multiples of 4K; SIZE is not zero\n"
	      "  ID and COUNT are 0..255; N is 0.." S2_STR(S2_MAX_THREADS) "\n"
	      "  PROT is any of", out);
	for (i = 0; i < ARRAY_SIZE(s2_prots); i++)
		fprintf(out, " %c (%s)", s2_prots[i].letter,
			s2_prots[i].meaning);
	fputs(", or - for none\n", out);
}
