// SPDX-License-Identifier: GPL-2.0-only
/*
 * s2replay: runs text reproducers on every kernel linked in.  The s2fuzz
 * command line builds it for the kernels asked for and runs it.
 * Exit: 0 clean, 1 a finding, 2 bad input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "file.h"
#include "gen.h"
#include "registry.h"
#include "run.h"

#define EXIT_FINDING 1
#define EXIT_BAD_INPUT 2

static void usage(FILE *out)
{
	fprintf(out,
		"usage: s2replay [--dump] [--trace] [--strict] [--divergences] "
		"[--tree OP] [--fault-window] FILE...\n"
		"       s2replay [--strict] --random COUNT [--seed SEED]\n"
		"       s2replay --schedules COUNT [--pct DEPTH] [--seed SEED] "
		"FILE\n"
		"Runs each op-language reproducer on every kernel linked in:\n");
	for (unsigned int i = 0; i < s2_registry_size; i++)
		fprintf(out, "  %s (%s API)\n", s2_registry[i].name,
			s2_registry[i].target->api);
	fprintf(out,
		"  --dump   print each kernel's final mapping as op lines\n"
		"  --trace  print the event log of every op\n"
		"  --strict return codes and table structure must agree too\n"
		"  --divergences  print intended differences between kernels\n"
		"  --tree OP      print each kernel's page-table tree before and\n"
		"                 after op OP (numbered as findings are; the\n"
		"                 last op + 1 is the destroy) as JSON lines\n"
		"  --fault-window a simulated MMU translates each op's IPAs at\n"
		"                 every yield point: print how many of those\n"
		"                 translations faulted at IPAs mapped both\n"
		"                 before and after the op (FAULT-WINDOW lines)\n"
		"  --schedules COUNT  schedule fuzzing of one FILE: run it under\n"
		"                 COUNT random schedules (seeds SEED..); the\n"
		"                 first with a finding is printed\n"
		"  --pct DEPTH    ... PCT schedules of that depth, not bytes\n"
		"  --random COUNT run COUNT generated sequences (seeds SEED..);\n"
		"                 the first with a finding is printed\n"
		"Exit: 0 clean, 1 finding, 2 bad input.\n\n");
	s2_ops_help(out);
}

/* Every file is parsed before anything runs: bad input runs nothing. */
static struct s2_seq *parse_file(const char *path, unsigned int tree_op)
{
	struct s2_seq *seq = malloc(sizeof(*seq));
	char err[256];

	if (!seq) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (s2_seq_read(path, seq, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto fail;
	}
	if (tree_op > seq->nr_ops + 1) {
		fprintf(stderr,
			"%s: --tree %u: it has %u ops (op %u is the destroy)\n",
			path, tree_op, seq->nr_ops, seq->nr_ops + 1);
		goto fail;
	}
	return seq;
fail:
	free(seq);
	return NULL;
}

static int parse_op_number(const char *text, unsigned int *op)
{
	char *end;
	unsigned long n = strtoul(text, &end, 10);

	if (!*text || *end || !n || n > S2_MAX_OPS + 1) {
		fprintf(stderr, "s2replay: --tree '%s': not an op number\n",
			text);
		return -1;
	}
	*op = n;
	return 0;
}

static int replay(const struct s2_seq *seq, const struct s2_run_opts *opts)
{
	return s2_run(s2_registry, s2_registry_size, seq, opts, NULL) ?
		       EXIT_FINDING :
		       0;
}

/*
 * A sanitizer that stops the process (ThreadSanitizer at a race) leaves no
 * FINDING line: the sequence it stopped is printed instead, between these
 * lines, for `s2fuzz fuzz --tsan` to keep.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#include <sanitizer/common_interface_defs.h>
#define S2_DEATH_CALLBACK 1
#endif
#endif
#ifdef S2_DEATH_CALLBACK
static const struct s2_seq *running;

static void print_running(void)
{
	fprintf(stderr, "# s2replay: the sanitizer stopped this sequence:\n");
	s2_seq_print(running, stderr);
	fprintf(stderr, "# s2replay: end of the sequence\n");
	fflush(stderr);
}
#endif

/*
 * Runs count generated sequences; stops at the first one with a finding,
 * replays it with its report and prints it as a reproducer.
 */
static int random_sweep(unsigned long count, unsigned long seed,
			const struct s2_run_opts *opts)
{
	struct s2_run_opts quiet = *opts;
	struct s2_run_result res;
	static struct s2_seq seq;
	unsigned long known = 0, divergences = 0;

	quiet.out = NULL;
	quiet.trace = NULL;
#ifdef S2_DEATH_CALLBACK
	running = &seq;
	__sanitizer_set_death_callback(print_running);
#endif
	for (unsigned long i = 0; i < count; i++) {
		s2_seq_random(&seq, seed + i);
		if (s2_run(s2_registry, s2_registry_size, &seq, &quiet, &res)) {
			printf("# seed %lu: %s\n", seed + i, res.first);
			s2_seq_print(&seq, stdout);
			s2_run(s2_registry, s2_registry_size, &seq, opts, NULL);
			return EXIT_FINDING;
		}
		known += res.known;
		divergences += res.divergences;
		if ((i + 1) % 1000 == 0 || i + 1 == count)
			fprintf(stderr,
				"random: %lu/%lu sequences, 0 findings, %lu "
				"known, %lu divergences\n",
				i + 1, count, known, divergences);
	}
	return 0;
}

/* The n-th schedule of a sweep: PCT with a seed, or random bytes. */
static void sweep_schedule(struct s2_schedule *s, unsigned long n,
			   unsigned int pct_depth)
{
	struct s2_rng rng;

	memset(s, 0, sizeof(*s));
	if (pct_depth) {
		s->mode = S2_SCHED_PCT;
		s->seed = n;
		s->depth = pct_depth;
		return;
	}
	s2_rng_init(&rng, n);
	s->mode = S2_SCHED_BYTES;
	s->nr_bytes = S2_SCHED_MAX_BYTES;
	for (unsigned int i = 0; i < S2_SCHED_MAX_BYTES; i++)
		s->bytes[i] = s2_rng_next(&rng);
}

/*
 * Schedule fuzzing of one reproducer: its ops under count schedules
 * (seeds seed..); stops at the first with a finding and prints it, with
 * that schedule, as a reproducer.
 */
static int schedule_sweep(struct s2_seq *seq, unsigned long count,
			  unsigned long seed, unsigned int pct_depth,
			  const struct s2_run_opts *opts)
{
	struct s2_run_opts quiet = *opts;
	struct s2_run_result res;
	unsigned long known = 0;
	struct timespec t0, t1;
	double secs;

	quiet.out = NULL;
	quiet.trace = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < count; i++) {
		sweep_schedule(&seq->sched, seed + i, pct_depth);
		if (s2_run(s2_registry, s2_registry_size, seq, &quiet, &res)) {
			printf("# schedule %lu (%lu tried): %s\n", seed + i,
			       i + 1, res.first);
			s2_seq_print(seq, stdout);
			s2_run(s2_registry, s2_registry_size, seq, opts, NULL);
			return EXIT_FINDING;
		}
		known += res.known;
		if ((i + 1) % 1000 && i + 1 != count)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		fprintf(stderr,
			"schedules: %lu/%lu, 0 findings, %lu known, %.0f "
			"schedules/s\n", i + 1, count, known,
			(i + 1) / (secs > 0 ? secs : 1e-9));
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct s2_run_opts opts = { .out = stdout };
	unsigned long count = 0, schedules = 0, seed = 1;
	unsigned int pct_depth = 0;
	struct s2_seq **seqs;
	int status = 0, first = 1;

	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "--dump")) {
			opts.dump = true;
		} else if (!strcmp(argv[first], "--trace")) {
			opts.trace = stdout;
		} else if (!strcmp(argv[first], "--strict")) {
			opts.strict = true;
		} else if (!strcmp(argv[first], "--divergences")) {
			opts.divergences = true;
		} else if (!strcmp(argv[first], "--fault-window")) {
			opts.fault_window = true;
		} else if (!strcmp(argv[first], "--random") &&
			   first + 1 < argc) {
			count = strtoul(argv[++first], NULL, 0);
		} else if (!strcmp(argv[first], "--schedules") &&
			   first + 1 < argc) {
			schedules = strtoul(argv[++first], NULL, 0);
		} else if (!strcmp(argv[first], "--pct") && first + 1 < argc) {
			pct_depth = strtoul(argv[++first], NULL, 0);
			if (!pct_depth || pct_depth > S2_SCHED_MAX_DEPTH) {
				fprintf(stderr, "s2replay: --pct %s: the depth "
					"is 1 to %d\n", argv[first],
					S2_SCHED_MAX_DEPTH);
				return EXIT_BAD_INPUT;
			}
		} else if (!strcmp(argv[first], "--seed") && first + 1 < argc) {
			seed = strtoul(argv[++first], NULL, 0);
		} else if (!strcmp(argv[first], "--tree") && first + 1 < argc) {
			if (parse_op_number(argv[++first], &opts.tree_op))
				return EXIT_BAD_INPUT;
		} else if (!strcmp(argv[first], "--help") ||
			   !strcmp(argv[first], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "s2replay: unknown option '%s'\n",
				argv[first]);
			return EXIT_BAD_INPUT;
		}
	}
	if (count)
		return random_sweep(count, seed, &opts);
	if (first == argc || (schedules && argc - first != 1)) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	seqs = calloc(argc - first, sizeof(*seqs));
	if (!seqs)
		return EXIT_BAD_INPUT;
	for (int i = first; i < argc && status != EXIT_BAD_INPUT; i++) {
		seqs[i - first] = parse_file(argv[i], opts.tree_op);
		if (!seqs[i - first])
			status = EXIT_BAD_INPUT;
	}
	if (schedules && status != EXIT_BAD_INPUT)
		status = schedule_sweep(seqs[0], schedules, seed, pct_depth,
					&opts);
	for (int i = first; i < argc && status != EXIT_BAD_INPUT && !schedules;
	     i++) {
		int rc = replay(seqs[i - first], &opts);

		if (argc - first > 1)
			printf("%s: %s\n", argv[i], rc ? "FINDINGS" : "clean");
		if (rc > status)
			status = rc;
	}
	for (int i = first; i < argc; i++)
		free(seqs[i - first]);
	free(seqs);
	return status;
}
