// SPDX-License-Identifier: GPL-2.0-only
/*
 * The plain driver of the fuzz target: runs each raw input file once, as
 * an engine would, without one.  A finding aborts (fuzz/harness.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seq.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (S2_BIN_HEADER + S2_MAX_OPS * S2_BIN_RECORD)

static int run_file(const char *path)
{
	static uint8_t buf[MAX_INPUT];
	FILE *f = fopen(path, "rb");
	size_t len;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	/* Longer inputs decode to the first S2_MAX_OPS ops anyway. */
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	fprintf(stderr, "%s: clean\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: %s RAW-INPUT...\n"
			"Runs each raw fuzzer input once; a finding aborts.\n",
			argv[0]);
		return argc < 2 ? 2 : 0;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		status |= run_file(argv[i]);
	return status;
}
