/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Customised for testing: the hyp calls that invalidate stage-2 TLBs
 * (arch/arm64/kvm/hyp/{nvhe,vhe}/tlb.c) become events in the log.  Each is
 * one completed operation, DSBs included.
 */
#ifndef S2SHIM_ASM_KVM_ASM_H
#define S2SHIM_ASM_KVM_ASM_H

#include <linux/types.h>
#include "hooks.h"

struct kvm_s2_mmu;

#define kvm_call_hyp(f, ...) f(__VA_ARGS__)

static inline void __kvm_tlb_flush_vmid(struct kvm_s2_mmu *mmu)
{
	s2rt_tlbi_vmid(mmu);
}

/*
 * The level is a TTL hint.  Before the visit-ctx API, __tlbi_level() hinted
 * only a non-zero level, so there 0 meant "no hint"; later kernels say "no
 * hint" with TLBI_TTL_UNKNOWN, and the runtime treats any level outside 0..3
 * as that.
 */
#ifdef S2_API_WALK_ARGS
#define S2_TTL_HINT(level) ((level) ? (level) : -1)
#else
#define S2_TTL_HINT(level) (level)
#endif

static inline void __kvm_tlb_flush_vmid_ipa(struct kvm_s2_mmu *mmu,
					    phys_addr_t ipa, int level)
{
	s2rt_tlbi_ipa(mmu, ipa, S2_TTL_HINT(level), false);
}

static inline void __kvm_tlb_flush_vmid_ipa_nsh(struct kvm_s2_mmu *mmu,
						phys_addr_t ipa, int level)
{
	s2rt_tlbi_ipa(mmu, ipa, S2_TTL_HINT(level), true);
}

static inline void __kvm_tlb_flush_vmid_range(struct kvm_s2_mmu *mmu,
					      phys_addr_t start,
					      unsigned long pages)
{
	s2rt_tlbi_range(mmu, start, pages);
}

#endif
