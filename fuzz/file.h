/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef S2FUZZ_FILE_H
#define S2FUZZ_FILE_H

#include <stddef.h>

/*
 * The whole file, NUL-terminated (text) and its size (binary; size may be
 * NULL), in a malloc'd buffer; NULL with errno set if it cannot be read.
 */
char *s2_read_file(const char *path, size_t *size);

#endif /* S2FUZZ_FILE_H */
