/* SPDX-License-Identifier: GPL-2.0-only */
/* Mirrors <linux/const.h> and the alignment helpers of <linux/align.h>. */
#ifndef S2SHIM_LINUX_CONST_H
#define S2SHIM_LINUX_CONST_H

#define _AC(x, y) (x##y)
#define UL(x) _AC(x, UL)
#define ULL(x) _AC(x, ULL)

#define __ALIGN_MASK(x, mask) (((x) + (mask)) & ~(mask))
#define ALIGN(x, a) __ALIGN_MASK(x, (__typeof__(x))(a) - 1)
#define ALIGN_DOWN(x, a) ALIGN((x) - ((a) - 1), (a))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)


#endif
