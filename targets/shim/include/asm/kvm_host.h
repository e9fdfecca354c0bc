/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Customised for testing: the parts of struct kvm_s2_mmu and the memcache
 * that pgtable.c touches.  Both the 6.1 (mmu->arch->vtcr) and the later
 * (mmu->vtcr) layouts are present; adapters fill both.
 */
#ifndef S2SHIM_ASM_KVM_HOST_H
#define S2SHIM_ASM_KVM_HOST_H

#include <linux/types.h>

struct kvm_pgtable;

/* nobjs is what pgtable.c reads (eager split sizing); the adapter's
 * zalloc_page takes pages from it. */
struct kvm_mmu_memory_cache {
	int nobjs;
};

struct kvm_arch {
	u64 vtcr;
};

struct kvm_s2_mmu {
	struct kvm_pgtable *pgt;
	u64 vtcr;
	struct kvm_arch *arch;
	/* 6.12's split finds the mmu by container_of() on this member. */
	struct kvm_mmu_memory_cache split_page_cache;
};

#endif
