// SPDX-License-Identifier: GPL-2.0-only
/*
 * s2replay: runs text reproducers on every kernel linked in.  The s2fuzz
 * command line builds it for the kernels asked for and runs it.
 * Exit: 0 clean, 1 a finding, 2 bad input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../oracle/desc.h"
#include "registry.h"
#include "run.h"

#define EXIT_FINDING 1
#define EXIT_BAD_INPUT 2

struct replay_opts {
	bool dump;
	bool trace;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: s2replay [--dump] [--trace] FILE...\n"
		"Runs each op-language reproducer on every kernel linked in:\n");
	for (unsigned int i = 0; i < s2_registry_size; i++)
		fprintf(out, "  %s (%s API)\n", s2_registry[i].name,
			s2_registry[i].target->api);
	fprintf(out,
		"  --dump   print each kernel's final mapping as op lines\n"
		"  --trace  print the event log of every op\n"
		"Exit: 0 clean, 1 finding, 2 bad input.\n\n");
	s2_ops_help(out);
}

/* One line per valid leaf or owner annotation, in IPA order. */
static void dump_entry(const struct s2_entry *e, void *arg)
{
	FILE *out = arg;
	char size[32], prot[8];

	if (s2_desc_is_table(e->pte, e->level))
		return;
	s2_size_format(s2_level_size(e->level), size);
	if (!s2_desc_valid(e->pte)) {
		if (e->pte & S2_DESC_OWNER_MASK)
			fprintf(out, "owner 0x%" PRIx64 " %s %" PRIu64 " # L%d\n",
				e->ipa, size,
				(uint64_t)((e->pte & S2_DESC_OWNER_MASK) >> 2),
				e->level);
		return;
	}
	s2_desc_prot_letters(e->pte, prot);
	fprintf(out, "map 0x%" PRIx64 " %s 0x%" PRIx64 " %s # L%d\n", e->ipa,
		size, s2_desc_pa(e->pte), prot, e->level);
}

static void dump_final(const struct s2_target *target, struct s2_vm *vm,
		       void *arg)
{
	target->walk(vm, dump_entry, arg);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *bigger = realloc(buf, cap = cap * 2 + 4096);

			if (!bigger) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = bigger;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Every file is parsed before anything runs: bad input runs nothing. */
static struct s2_seq *parse_file(const char *path)
{
	struct s2_seq *seq = malloc(sizeof(*seq));
	char *text = read_file(path);
	char err[256];

	if (!text || !seq) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (s2_seq_parse(text, path, seq, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto fail;
	}
	free(text);
	return seq;
fail:
	free(text);
	free(seq);
	return NULL;
}

static int replay(const struct s2_seq *seq, const struct replay_opts *ro)
{
	struct s2_run_opts opts = { .trace = ro->trace ? stdout : NULL };
	int findings = 0;

	for (unsigned int i = 0; i < s2_registry_size; i++) {
		const struct s2_named_target *k = &s2_registry[i];
		int n;

		if (ro->dump) {
			printf("# %s\n", k->name);
			opts.final_state = dump_final;
			opts.arg = stdout;
		}
		n = s2_run(k->name, k->target, seq, &opts, stdout);
		if (n < 0)
			return EXIT_FINDING;
		findings += n;
	}
	return findings ? EXIT_FINDING : 0;
}

int main(int argc, char **argv)
{
	struct replay_opts ro = { 0 };
	struct s2_seq **seqs;
	int status = 0, first = 1;

	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "--dump")) {
			ro.dump = true;
		} else if (!strcmp(argv[first], "--trace")) {
			ro.trace = true;
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
	if (first == argc) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	seqs = calloc(argc - first, sizeof(*seqs));
	if (!seqs)
		return EXIT_BAD_INPUT;
	for (int i = first; i < argc && status != EXIT_BAD_INPUT; i++) {
		seqs[i - first] = parse_file(argv[i]);
		if (!seqs[i - first])
			status = EXIT_BAD_INPUT;
	}
	for (int i = first; i < argc && status != EXIT_BAD_INPUT; i++) {
		int rc = replay(seqs[i - first], &ro);

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
