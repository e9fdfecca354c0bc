/* SPDX-License-Identifier: GPL-2.0-only */
/* Mirrors the asm-generic errno values pgtable.c returns (keep in sync). */
#ifndef S2SHIM_LINUX_ERRNO_H
#define S2SHIM_LINUX_ERRNO_H

#define EPERM 1
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EEXIST 17
#define EINVAL 22
#define ERANGE 34

#endif
