// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdio.h>

#include "desc.h"

unsigned int s2_desc_prot(uint64_t pte)
{
	return (pte & S2_DESC_S2AP_R ? S2_PROT_R : 0) |
	       (pte & S2_DESC_S2AP_W ? S2_PROT_W : 0) |
	       (pte & S2_DESC_XN ? 0 : S2_PROT_X) |
	       (s2_desc_memattr(pte) == S2_MEMATTR_DEVICE ? S2_PROT_DEVICE : 0);
}

void s2_desc_prot_letters(uint64_t pte, char buf[8])
{
	char *p = buf;

	if (pte & S2_DESC_S2AP_R)
		*p++ = 'r';
	if (pte & S2_DESC_S2AP_W)
		*p++ = 'w';
	if (!(pte & S2_DESC_XN))
		*p++ = 'x';
	if (s2_desc_memattr(pte) == S2_MEMATTR_DEVICE)
		*p++ = 'd';
	if (p == buf)
		*p++ = '-';
	*p = '\0';
}

void s2_desc_describe(uint64_t pte, int level, char *buf, size_t len)
{
	char prot[8];

	if (!pte) {
		snprintf(buf, len, "0");
	} else if (!s2_desc_valid(pte)) {
		if (pte == S2_DESC_LOCKED)
			snprintf(buf, len, "locked");
		else
			snprintf(buf, len, "invalid owner %u",
				 s2_desc_owner(pte));
	} else if (!s2_level_known(level)) {
		/* An entry of a table not linked yet: table or leaf is unknown. */
		snprintf(buf, len, "valid 0x%" PRIx64 " (0x%" PRIx64 ")",
			 s2_desc_pa(pte), pte);
	} else if (s2_desc_is_table(pte, level)) {
		snprintf(buf, len, "table 0x%" PRIx64, s2_desc_pa(pte));
	} else {
		s2_desc_prot_letters(pte, prot);
		snprintf(buf, len, "%s 0x%" PRIx64 " %s%s (0x%" PRIx64 ")",
			 level == S2_LAST_LEVEL ? "page" : "block",
			 s2_desc_pa(pte), prot,
			 pte & S2_DESC_AF ? "" : " old", pte);
	}
}
