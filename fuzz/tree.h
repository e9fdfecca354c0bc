/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef S2FUZZ_TREE_H
#define S2FUZZ_TREE_H

#include <stdio.h>

#include "../targets/target.h"

/*
 * Prints vm's table (NULL: none) as JSON lines, each naming kernel, op
 * (1-based) and when ("before" or "after"): a "tree" line, then "page"
 * lines (pa, level, first ipa, count: page_count()) and "entry" lines
 * (level, ipa, pte, page, index, desc).  Call it in the vm's context.
 */
void s2_tree_print(FILE *out, const char *kernel, const struct s2_target *t,
		   struct s2_vm *vm, unsigned int op, const char *when);

#endif /* S2FUZZ_TREE_H */
