/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef S2FUZZ_REPRO_C_H
#define S2FUZZ_REPRO_C_H

#include <stdio.h>

#include "seq.h"

/* seq as a C program calling a target directly; name goes in a comment. */
void s2_seq_print_c(const struct s2_seq *seq, const char *name, FILE *out);

#endif /* S2FUZZ_REPRO_C_H */
