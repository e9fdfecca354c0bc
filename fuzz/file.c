// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "seq.h"

char *s2_read_file(const char *path, size_t *size)
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
	if (size)
		*size = len;
	return buf;
}

int s2_seq_read(const char *path, struct s2_seq *seq, char *err,
		size_t errlen)
{
	char *text = s2_read_file(path, NULL);
	int rc;

	if (!text) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = s2_seq_parse(text, path, seq, err, errlen);
	free(text);
	return rc;
}
