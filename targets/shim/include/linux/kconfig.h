/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mirrors <linux/kconfig.h>: IS_ENABLED() is 1 for an option defined to 1
 * and 0 for an undefined one.  The kernel configuration the files under
 * test are built for is fixed here.
 */
#ifndef S2SHIM_LINUX_KCONFIG_H
#define S2SHIM_LINUX_KCONFIG_H

#define CONFIG_ARM64_HW_AFDBM 1

#define __S2_PLACEHOLDER_1 0,
#define __s2_second_arg(ignored, val, ...) val
#define __s2_is_defined(x) ___s2_is_defined(x)
#define ___s2_is_defined(val) ____s2_is_defined(__S2_PLACEHOLDER_##val)
#define ____s2_is_defined(arg1_or_junk) __s2_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option) __s2_is_defined(option)

#endif
