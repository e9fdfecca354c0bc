/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef S2FUZZ_FILE_H
#define S2FUZZ_FILE_H

#include <stddef.h>

/*
 * The whole file, NUL-terminated (text) and its size (binary; size may be
 * NULL), in a malloc'd buffer; NULL with errno set if it cannot be read.
 */
char *s2_read_file(const char *path, size_t *size);

struct s2_seq;
/*
 * Reads and parses the text reproducer at path into seq.  On failure
 * returns -1 with one line saying why in err ("path: No such file or
 * directory", "path:3: ...", no trailing newline).
 */
int s2_seq_read(const char *path, struct s2_seq *seq, char *err,
		size_t errlen);

#endif /* S2FUZZ_FILE_H */
