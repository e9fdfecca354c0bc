// SPDX-License-Identifier: GPL-2.0-only
/* Findings: what each checker reports, and the key they deduplicate by. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "oracle.h"

static void copy_word(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "-");
}

/* Is kept, a word copy_word() cut to len, the copy of word? */
static bool same_word(const char *kept, size_t len, const char *word)
{
	return !strncmp(kept, word ? word : "-", len - 1);
}

/* The op a report's findings name: its opinfo's. */
static const char *op_word(const struct s2o_report *r)
{
	return r->info && r->info->op ? s2_op_name(r->info->op->kind) :
					"destroy";
}

/* Signatures spell levels 0..3; any other is "no level". */
static bool signed_level(int level)
{
	return level >= 0 && level <= 3;
}

static bool same_level(int a, int b)
{
	return signed_level(a) == signed_level(b) &&
	       (!signed_level(a) || a == b);
}

bool s2o_report_wants(const struct s2o_report *r, const char *check,
		      int level, const char *field)
{
	if (r->nr == S2O_MAX_FINDINGS)
		return false;
	for (unsigned int i = 0; i < r->nr; i++) {
		const struct s2o_finding *f = &r->findings[i];

		if (same_level(f->level, level) &&
		    same_word(f->check, sizeof(f->check), check) &&
		    same_word(f->op, sizeof(f->op), op_word(r)) &&
		    same_word(f->field, sizeof(f->field), field))
			return false;
	}
	return true;
}

void s2o_report(struct s2o_report *r, const char *check, int level,
		const char *field, const char *fmt, ...)
{
	struct s2o_finding *f;
	va_list ap;

	if (!s2o_report_wants(r, check, level, field))
		return;
	f = &r->findings[r->nr++];
	copy_word(f->check, sizeof(f->check), check);
	copy_word(f->op, sizeof(f->op), op_word(r));
	f->level = level;
	copy_word(f->field, sizeof(f->field), field);
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

/*
 * check-op-level-field, e.g. "bbm-map-L2-stale": the same bug found again
 * by another input has the same signature.
 */
void s2o_signature(const struct s2o_finding *f, char *buf, size_t len)
{
	if (signed_level(f->level))
		snprintf(buf, len, "%s-%s-L%d-%s", f->check, f->op, f->level,
			 f->field);
	else
		snprintf(buf, len, "%s-%s-%s", f->check, f->op, f->field);
}

static const struct {
	const char *signature, *api, *reason;
} known_findings[] = {
#define S2O_KNOWN_DIFFERENCE(name, reason)
#define S2O_KNOWN_FINDING(signature, api, reason) { signature, api, reason },
#include "known-differences.def"
#undef S2O_KNOWN_DIFFERENCE
#undef S2O_KNOWN_FINDING
};

const char *s2o_known_finding(const char *signature, const char *api)
{
	for (size_t i = 0; i < sizeof(known_findings) / sizeof(known_findings[0]);
	     i++)
		if (!strcmp(known_findings[i].signature, signature) &&
		    !strcmp(known_findings[i].api, api))
			return known_findings[i].reason;
	return NULL;
}

/* A return code as the kernel spells it: "-EAGAIN", or the number. */
const char *s2o_rc_name(int rc, char *buf, size_t len)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ EPERM, "-EPERM" },   { E2BIG, "-E2BIG" },
		{ EAGAIN, "-EAGAIN" }, { ENOMEM, "-ENOMEM" },
		{ EEXIST, "-EEXIST" }, { EINVAL, "-EINVAL" },
		{ ERANGE, "-ERANGE" },
	};

	if (rc == S2_UNSUPPORTED)
		return "unsupported";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (rc == -names[i].err)
			return names[i].name;
	snprintf(buf, len, "%d", rc);
	return buf;
}
