/* SPDX-License-Identifier: GPL-2.0-only */
/* Mirrors <linux/bits.h>. */
#ifndef S2SHIM_LINUX_BITS_H
#define S2SHIM_LINUX_BITS_H

#define BIT(nr) (1UL << (nr))
#define BIT_ULL(nr) (1ULL << (nr))
#define GENMASK(h, l) ((~0UL << (l)) & (~0UL >> (63 - (h))))
#define GENMASK_ULL(h, l) GENMASK(h, l)

#endif
