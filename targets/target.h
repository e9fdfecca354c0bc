/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The common target ABI: what the fuzzers and the oracle see of a kernel.
 * One struct of function pointers per kernel build; no kernel prototype or
 * type crosses this line.  Addresses are IPAs and PAs in bytes, sizes in
 * bytes; return codes are the kernel's (0 or a negative errno), or
 * S2_UNSUPPORTED for an operation this kernel's API lacks.
 */
#ifndef S2FUZZ_TARGET_H
#define S2FUZZ_TARGET_H

#include <stdbool.h>
#include <stdint.h>

/* Permissions and attributes (translated to enum kvm_pgtable_prot). */
#define S2_PROT_R 0x1
#define S2_PROT_W 0x2
#define S2_PROT_X 0x4
#define S2_PROT_DEVICE 0x8
#define S2_PROT_MASK 0xf

/* CPU features modelled for a whole run. */
#define S2_FEAT_FWB 0x1
#define S2_FEAT_TLB_RANGE 0x2
#define S2_FEAT_MASK 0x3

/* Returned for an operation that this kernel's API does not have. */
#define S2_UNSUPPORTED (-100000)

/* The memcache size an op gets when the sequence does not set one. */
#define S2_MEMCACHE_DEFAULT (-1)

/*
 * The pages a split's cache holds unless the sequence sets the memcache:
 * what KVM tops it up to, kvm_mmu_split_nr_page_tables(), a table per 1G
 * and per 2M the range spans.  A block needing more is split a level at a
 * time, or not at all.
 */
static inline uint64_t s2_split_cache_pages(uint64_t size)
{
	return ((size + (1ULL << 30) - 1) >> 30) +
	       ((size + (1ULL << 21) - 1) >> 21);
}

struct s2_config {
	unsigned int ipa_bits;
	unsigned int features;	/* S2_FEAT_* */
};

/* One entry of the live table, as the walker reports it. */
struct s2_entry {
	int level;
	uint64_t ipa;		/* first IPA the entry translates */
	uint64_t pte;		/* raw descriptor */
	uint64_t table_pa;	/* PA of the table page holding it */
	unsigned int index;	/* index within that page */
	unsigned int nr;	/* 1, or with s2rt_walk_runs() the entries
				 * from index on that carry this one on */
};

typedef void (*s2_entry_fn)(const struct s2_entry *entry, void *arg);

struct s2_vm;

struct s2_target {
	const char *api;	/* API generation the adapter speaks */

	struct s2_vm *(*init)(const struct s2_config *cfg, int *rc);
	/* Frees every table page; the runtime then reports leaks. */
	void (*destroy)(struct s2_vm *vm);

	/* Pages the next op's memcache holds; S2_MEMCACHE_DEFAULT tops it up. */
	void (*set_memcache)(struct s2_vm *vm, long pages);

	int (*map)(struct s2_vm *vm, uint64_t ipa, uint64_t size, uint64_t pa,
		   unsigned int prot);
	int (*unmap)(struct s2_vm *vm, uint64_t ipa, uint64_t size);
	/* kvm_pgtable_stage2_wrprotect, then the TLB flush KVM's caller does. */
	int (*wrprotect)(struct s2_vm *vm, uint64_t ipa, uint64_t size);
	/* Maps (or relaxes) as user_mem_abort() does for a fault on ipa. */
	int (*fault)(struct s2_vm *vm, uint64_t ipa, uint64_t pa,
		     unsigned int prot, bool page);
	int (*relax)(struct s2_vm *vm, uint64_t ipa, unsigned int prot);
	/* Returns 1 if a leaf in the range was young, 0 if none. */
	int (*mkold)(struct s2_vm *vm, uint64_t ipa, uint64_t size);
	/* Returns 1 if ipa had a valid leaf, 0 if not. */
	int (*mkyoung)(struct s2_vm *vm, uint64_t ipa);
	int (*split)(struct s2_vm *vm, uint64_t ipa, uint64_t size);
	int (*set_owner)(struct s2_vm *vm, uint64_t ipa, uint64_t size,
			 unsigned int id);
	int (*flush)(struct s2_vm *vm, uint64_t ipa, uint64_t size);

	/* Reports every non-zero entry, parents before children. */
	void (*walk)(struct s2_vm *vm, s2_entry_fn fn, void *arg);
};

#endif /* S2FUZZ_TARGET_H */
