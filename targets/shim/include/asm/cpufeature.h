/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Customised for testing: CPU capabilities are the run's features (FWB,
 * TLB-range), chosen per test case.  LPA2 and BTI stay off: a PA must fit
 * bits 47:12 of a descriptor.
 */
#ifndef S2SHIM_ASM_CPUFEATURE_H
#define S2SHIM_ASM_CPUFEATURE_H

#include <linux/types.h>
#include "hooks.h"

enum s2shim_cap {
	ARM64_HAS_STAGE2_FWB,
	ARM64_WORKAROUND_AMPERE_AC03_CPU_38,
	ARM64_KVM_HVHE,
};

static inline bool cpus_have_final_cap(int cap)
{
	return cap == ARM64_HAS_STAGE2_FWB && s2rt_feature(S2_FEAT_FWB);
}

#define cpus_have_const_cap(cap) cpus_have_final_cap(cap)

static inline bool system_supports_tlb_range(void)
{
	return s2rt_feature(S2_FEAT_TLB_RANGE);
}

static inline bool system_supports_lpa2(void)
{
	return false;
}

static inline bool system_supports_bti_kernel(void)
{
	return false;
}

#endif
