/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One test case: a sequence of operations, in its binary form (for the
 * fuzzers: every byte string decodes to a valid sequence) and its text form
 * (for people).  Neither form knows about a kernel version.
 */
#ifndef S2FUZZ_SEQ_H
#define S2FUZZ_SEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../targets/target.h"
#include "ops.h"

#define S2_PAGE_SHIFT 12
#define S2_PAGE_SIZE (1ULL << S2_PAGE_SHIFT)

enum s2_op_kind {
#define S2_OP_ENUM(e, word, a0, a1, a2, a3, help) S2_OP_##e,
	S2_OPS(S2_OP_ENUM)
#undef S2_OP_ENUM
	S2_OP_COUNT
};

#define S2_IPA_BITS_DEFAULT 40
#define S2_IPA_BITS_MIN 32
#define S2_IPA_BITS_MAX 44
/*
 * Guest memory lives below 2^47: the runtime's table pages live above
 * (targets/runtime/internal.h), so an output address names one or the
 * other, never both.  Descriptors hold bits 47:12 (no LPA2).
 */
#define S2_PA_BITS 47
#define S2_MAX_OPS 512

/*
 * The memslot: a vCPU fault on IPA maps this PA.  It sits above every IPA
 * the harness allows, so guest memory never aliases a table page.
 */
#define S2_MEMSLOT_PA(ipa) ((ipa) + (1ULL << S2_IPA_BITS_MAX))

struct s2_op {
	uint8_t kind;		/* enum s2_op_kind */
	uint8_t prot;		/* S2_PROT_* (map, fault, relax) */
	bool page;		/* fault: force the page granule */
	uint8_t count;		/* owner: ID; memcache: pages */
	uint64_t ipa;
	uint64_t size;
	uint64_t pa;
	unsigned int line;	/* text line it came from, 0 if decoded */
};

/*
 * Concurrent sections: "thread N" (1..S2_MAX_THREADS) puts the ops after it
 * on vCPU thread N, "thread 0" back on the sequential path.  A maximal run
 * of ops on threads 1..N is one section: its threads run together under the
 * scheduler, each its own ops in order; a section is cut after
 * S2_SECTION_MAX_OPS ops (the serializations the oracle tries grow as the
 * factorial of its length).
 */
#define S2_MAX_THREADS 3
#define S2_SECTION_MAX_OPS 6

/*
 * Which thread runs at each scheduling point of the sections: the input's
 * bytes, consumed in order across sections (when they run out, the running
 * thread goes on until it blocks or ends), or PCT: random thread priorities
 * from seed, and depth - 1 points where the running thread's priority
 * drops.  No schedule: each thread runs to its end in turn.
 */
#define S2_SCHED_MAX_BYTES 64
#define S2_SCHED_MAX_DEPTH 16
enum s2_sched_mode { S2_SCHED_NONE, S2_SCHED_BYTES, S2_SCHED_PCT };

struct s2_schedule {
	uint8_t mode;		/* enum s2_sched_mode */
	uint8_t depth;		/* PCT: 1 + the number of change points */
	uint16_t nr_bytes;	/* bytes mode has at least one */
	uint64_t seed;		/* PCT */
	uint8_t bytes[S2_SCHED_MAX_BYTES];
};

struct s2_seq {
	unsigned int features;	/* S2_FEAT_* */
	unsigned int ipa_bits;
	unsigned int nr_ops;
	struct s2_schedule sched;
	struct s2_op ops[S2_MAX_OPS];
};

/*
 * Binary form: a 4-byte header then fixed 16-byte records, so byte-level
 * mutations stay meaningful.  The header:
 *   [0] features           [1] IPA size
 *   [2] schedule mode, % 3: none, bytes, PCT
 *   [3] PCT depth - 1, % S2_SCHED_MAX_DEPTH (read in PCT mode only)
 * An op record:
 *   [0] op kind, % S2_OP_COUNT                [1] prot | page<<4, or the count
 *   [2..6] IPA in pages    [7..10] size in pages   [11..15] PA in pages
 * A record whose kind byte is S2_BIN_SCHED_KIND is schedule data, not an op:
 *   bytes mode: [1] how many of [2..15] are schedule bytes (past 14: 14),
 *               appended in record order; past S2_SCHED_MAX_BYTES dropped
 *   PCT mode:   [2..9] the seed, little-endian (the last such record wins)
 *   no schedule: ignored
 * so every byte string still decodes.  Bytes mode without a byte decodes as
 * no schedule.  The encoder puts the schedule records first, where the
 * S2_MAX_OPS cut cannot drop them; the decoder takes them anywhere before it.
 * Out-of-range values fold into valid ones (addresses into a small window so
 * operations collide); in-range values decode to themselves.
 */
#define S2_BIN_HEADER 4
#define S2_BIN_RECORD 16
#define S2_BIN_SCHED_KIND 0xff
#define S2_BIN_SCHED_BYTES 14
#define S2_BIN_SCHED_RECORDS                                                   \
	((S2_SCHED_MAX_BYTES + S2_BIN_SCHED_BYTES - 1) / S2_BIN_SCHED_BYTES)
/* The longest encoding: a full schedule and S2_MAX_OPS ops. */
#define S2_BIN_MAX                                                             \
	(S2_BIN_HEADER + (S2_BIN_SCHED_RECORDS + S2_MAX_OPS) * S2_BIN_RECORD)
/* Folded IPAs land in [0, 4 GiB): a few 1G blocks' worth. */
#define S2_FOLD_WINDOW (4ULL << 30)
/*
 * Decoded sizes stop at 2 GiB: enough to cross a 1G boundary, and a bound
 * on the cost of one op (a page-granular 2G map is 512Ki entries).  The
 * text form has no such bound.
 */
#define S2_BIN_SIZE_CAP (2ULL << 30)
/*
 * A sequence stops at the op that would take it past this many page-table
 * entries' worth of work (a page-granular map or an owner annotation costs
 * one per 4K; a map whose PA allows 2M blocks one per 2M; a split 512 per
 * table page its cache holds): an input's cost stays
 * bounded, so fuzzers spend their time on many short runs.
 */
#define S2_BIN_ENTRY_BUDGET (1ULL << 14)

void s2_seq_init(struct s2_seq *seq);
void s2_seq_decode(const uint8_t *data, size_t len, struct s2_seq *seq);
/*
 * Returns the number of bytes written: the header, the schedule and the ops
 * within the entry budget (what decode gives back), or 0 if buf is too small.
 */
size_t s2_seq_encode(const struct s2_seq *seq, uint8_t *buf, size_t len);
/* How many of seq's ops the encoder keeps: those within the entry budget. */
unsigned int s2_seq_ops_in_budget(const struct s2_seq *seq);
/* The records the schedule takes in the binary form. */
unsigned int s2_sched_records(const struct s2_schedule *sched);

/*
 * Parses the text form.  On error returns -1 with "file:line: message" in
 * err (no trailing newline).
 */
int s2_seq_parse(const char *text, const char *file, struct s2_seq *seq,
		 char *err, size_t errlen);
void s2_seq_print(const struct s2_seq *seq, FILE *out);
/* The schedule's lines, each after prefix; none without a schedule. */
void s2_sched_print(const struct s2_schedule *sched, const char *prefix,
		    FILE *out);
void s2_op_print(const struct s2_seq *seq, const struct s2_op *op, FILE *out);
/* The op as its text line, without the newline, in buf. */
const char *s2_op_text(const struct s2_seq *seq, const struct s2_op *op,
		       char *buf, size_t len);
void s2_prot_format(unsigned int prot, char buf[8]);
void s2_size_format(uint64_t size, char buf[32]);
void s2_ops_help(FILE *out);

const char *s2_op_name(unsigned int kind);

#endif /* S2FUZZ_SEQ_H */
