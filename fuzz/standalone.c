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

#include "file.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	size_t len;
	uint8_t *data = (uint8_t *)s2_read_file(path, &len);

	if (!data) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	LLVMFuzzerTestOneInput(data, len);
	free(data);
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
