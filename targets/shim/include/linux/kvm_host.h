/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mirrors the include graph of <linux/kvm_host.h> as far as the files under
 * test reach into it.
 */
#ifndef S2SHIM_LINUX_KVM_HOST_H
#define S2SHIM_LINUX_KVM_HOST_H

#include <linux/types.h>
#include <linux/kconfig.h>
#include <linux/const.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/err.h>
#include <linux/compiler.h>
#include <linux/rcupdate.h>
#include <asm/barrier.h>
#include <asm/cmpxchg.h>
#include <asm/bug.h>
#include <asm/pgtable-hwdef.h>
#include <asm/memory.h>
#include <asm/cpufeature.h>
#include <asm/tlbflush.h>
#include <asm/kvm_arm.h>
#include <asm/kvm_asm.h>
#include <asm/kvm_host.h>

#endif
