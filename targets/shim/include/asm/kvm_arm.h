/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mirrors the VTCR_EL2 and ID-register definitions of
 * arch/arm64/include/asm/{kvm_arm,sysreg,cpufeature}.h for the 4K granule
 * (keep in sync: the PGD geometry is derived from them).
 */
#ifndef S2SHIM_ASM_KVM_ARM_H
#define S2SHIM_ASM_KVM_ARM_H

#include <linux/bits.h>
#include <linux/types.h>

#define VTCR_EL2_RES1 BIT(31)
#define VTCR_EL2_HA BIT(21)
#define VTCR_EL2_VS_8BIT (0UL << 19)
#define VTCR_EL2_VS_16BIT (1UL << 19)
#define VTCR_EL2_PS_SHIFT 16
#define VTCR_EL2_TG0_4K (0UL << 14)
#define VTCR_EL2_SH0_INNER (3UL << 12)
#define VTCR_EL2_ORGN0_WBWA (1UL << 10)
#define VTCR_EL2_IRGN0_WBWA (1UL << 8)
#define VTCR_EL2_SL0_SHIFT 6
#define VTCR_EL2_SL0_MASK (3UL << VTCR_EL2_SL0_SHIFT)
#define VTCR_EL2_T0SZ_MASK 0x3fUL
#define VTCR_EL2_DS BIT(32)

#define VTCR_EL2_FLAGS                                                      \
	(VTCR_EL2_RES1 | VTCR_EL2_SH0_INNER | VTCR_EL2_ORGN0_WBWA |         \
	 VTCR_EL2_IRGN0_WBWA | VTCR_EL2_TG0_4K)

#define VTCR_EL2_T0SZ(x) (64UL - (x))
#define VTCR_EL2_IPA(vtcr) (64 - ((vtcr) & VTCR_EL2_T0SZ_MASK))

/* With 4K pages, SL0 = 2 means translation starts at level 0. */
#define VTCR_EL2_TGRAN_SL0_BASE 2UL
#define VTCR_EL2_LVLS_TO_SL0(levels)                                        \
	((VTCR_EL2_TGRAN_SL0_BASE - (4 - (levels))) << VTCR_EL2_SL0_SHIFT)
#define VTCR_EL2_SL0_TO_LVLS(sl0) ((sl0) + 4 - VTCR_EL2_TGRAN_SL0_BASE)
#define VTCR_EL2_LVLS(vtcr)                                                 \
	VTCR_EL2_SL0_TO_LVLS(((vtcr) & VTCR_EL2_SL0_MASK) >> VTCR_EL2_SL0_SHIFT)

#define ID_AA64MMFR0_EL1_PARANGE_SHIFT 0
#define ID_AA64MMFR0_EL1_PARANGE_48 0x5
#define ID_AA64MMFR0_EL1_PARANGE_52 0x6
#define ID_AA64MMFR0_EL1_PARANGE_MAX ID_AA64MMFR0_EL1_PARANGE_48
#define ID_AA64MMFR1_EL1_VMIDBits_SHIFT 4
#define ID_AA64MMFR1_EL1_VMIDBits_16 0x2

static inline unsigned int cpuid_feature_extract_unsigned_field(u64 features,
								 int field)
{
	return (features >> field) & 0xf;
}

static inline u32 id_aa64mmfr0_parange_to_phys_shift(int parange)
{
	static const u8 shift[] = { 32, 36, 40, 42, 44, 48, 52 };

	if (parange < 0 || parange >= (int)sizeof(shift))
		return 48;
	return shift[parange];
}

static inline u32 get_vmid_bits(u64 mmfr1)
{
	unsigned int bits = cpuid_feature_extract_unsigned_field(
		mmfr1, ID_AA64MMFR1_EL1_VMIDBits_SHIFT);

	return bits == ID_AA64MMFR1_EL1_VMIDBits_16 ? 16 : 8;
}

#endif
