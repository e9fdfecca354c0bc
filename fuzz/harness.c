// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fuzz target: one source, built three ways (libFuzzer, AFL++'s driver,
 * and fuzz/standalone.c).  Decoding, running and judging live elsewhere;
 * this decides what the engine is told.
 *
 * A finding aborts, so every engine keeps the input as a crash, unless it
 * is one the user already has: a signature with a folder in $S2FUZZ_RESULTS
 * (read when the process starts, so fork-mode jobs see new ones) or a known
 * finding of oracle/known-differences.def.  Known ones are appended to
 * $S2FUZZ_KNOWN_LOG, once per signature and process, so they can be counted.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"
#include "run.h"

#define MAX_SIGNATURES 256

struct signatures {
	unsigned int nr;
	char sig[MAX_SIGNATURES][64];
};

static struct signatures found, known_logged;
static struct s2_seq seq;

static bool contains(const struct signatures *s, const char *sig)
{
	for (unsigned int i = 0; i < s->nr; i++)
		if (!strcmp(s->sig[i], sig))
			return true;
	return false;
}

static void add(struct signatures *s, const char *sig)
{
	if (s->nr < MAX_SIGNATURES)
		snprintf(s->sig[s->nr++], sizeof(s->sig[0]), "%s", sig);
}

static void load_found(const char *results)
{
	struct dirent *e;
	DIR *d;

	if (!results || !(d = opendir(results)))
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			add(&found, e->d_name);
	closedir(d);
}

static void log_known(const char *sig)
{
	const char *path = getenv("S2FUZZ_KNOWN_LOG");
	char line[80];
	int fd, n;

	if (!path || contains(&known_logged, sig))
		return;
	add(&known_logged, sig);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0)
		return;
	/* One short write with O_APPEND: lines of parallel jobs never mix. */
	n = snprintf(line, sizeof(line), "%s\n", sig);
	if (write(fd, line, n) != n)
		fprintf(stderr, "s2fuzz: could not log a known finding\n");
	close(fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	load_found(getenv("S2FUZZ_RESULTS"));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s2_run_opts opts = { .strict = s2_registry_strict };
	struct s2_run_result res;

	s2_seq_decode(data, size, &seq);
	s2_run(s2_registry, s2_registry_size, &seq, &opts, &res);
	if (res.known)
		log_known(res.first_known);
	if (!res.findings || contains(&found, res.first))
		return 0;
	/* Runs are deterministic: the second run tells the story. */
	fprintf(stderr, "s2fuzz: finding %s\n", res.first);
	s2_seq_print(&seq, stderr);
	opts.out = stderr;
	s2_run(s2_registry, s2_registry_size, &seq, &opts, NULL);
	abort();
}
