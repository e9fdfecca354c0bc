// SPDX-License-Identifier: GPL-2.0-only
/*
 * s2convert: between the two forms of a test case.  Text reproducers are
 * the source of the seed corpus; raw fuzzer inputs become text for people.
 * Exit: 0 done, 2 bad input (one line on stderr).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "repro-c.h"
#include "seq.h"

static struct s2_seq seq;

/* Reads and parses a text reproducer into seq; says why not on stderr. */
static int parse(const char *text_path)
{
	char err[256];

	if (s2_seq_read(text_path, &seq, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	return 0;
}

static int to_binary(const char *text_path, const char *out_path)
{
	static uint8_t buf[S2_BIN_MAX];
	size_t len;
	FILE *out;

	if (parse(text_path))
		return 2;
	len = s2_seq_encode(&seq, buf, sizeof(buf));
	out = fopen(out_path, "wb");
	if (!out || fwrite(buf, 1, len, out) != len || fclose(out)) {
		fprintf(stderr, "%s: %s\n", out_path, strerror(errno));
		return 2;
	}
	return 0;
}

static int to_text(const char *raw_path)
{
	size_t len;
	uint8_t *raw = (uint8_t *)s2_read_file(raw_path, &len);

	if (!raw) {
		fprintf(stderr, "%s: %s\n", raw_path, strerror(errno));
		return 2;
	}
	s2_seq_decode(raw, len, &seq);
	free(raw);
	s2_seq_print(&seq, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--to-binary"))
		return to_binary(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "--to-text"))
		return to_text(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--to-c")) {
		if (parse(argv[2]))
			return 2;
		s2_seq_print_c(&seq, argv[2], stdout);
		return 0;
	}
	fprintf(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
		"usage: s2convert --to-binary TEXT OUT   text reproducer -> "
		"raw fuzzer input\n"
		"       s2convert --to-text RAW          raw fuzzer input -> "
		"text, on stdout\n"
		"       s2convert --to-c TEXT            text reproducer -> "
		"C program, on stdout\n");
	return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
