/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal unit-test harness.  Its state is static, so each test program
 * (one translation unit) counts only its own tests.  A failed check reports
 * and carries on, so one run shows every broken expectation.
 */
#ifndef S2FUZZ_CHECK_H
#define S2FUZZ_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned int check_passed, check_failed;
static unsigned int check_failures;	/* failed checks in the running test */

static inline void check_fail(const char *file, int line, const char *expr)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
	check_failures++;
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			check_fail(__FILE__, __LINE__, #cond);                 \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                     \
	do {                                                                   \
		uint64_t check_a_ = (a), check_b_ = (b);                       \
		if (check_a_ != check_b_) {                                    \
			check_fail(__FILE__, __LINE__, #a " == " #b);          \
			fprintf(stderr, "  %" PRIu64 " (0x%" PRIx64 ") != %"   \
				PRIu64 " (0x%" PRIx64 ")\n", check_a_,         \
				check_a_, check_b_, check_b_);                 \
		}                                                              \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                     \
	do {                                                                   \
		const char *check_a_ = (a), *check_b_ = (b);                   \
		if (strcmp(check_a_, check_b_)) {                              \
			check_fail(__FILE__, __LINE__, #a " == " #b);          \
			fprintf(stderr, "  \"%s\"\n  != \"%s\"\n", check_a_,  \
				check_b_);                                     \
		}                                                              \
	} while (0)

#define TEST(name) static void name(void)
#define RUN(name) check_run(name, #name)

static inline void check_run(void (*test)(void), const char *name)
{
	check_failures = 0;
	test();
	if (!check_failures) {
		check_passed++;
		return;
	}
	check_failed++;
	fprintf(stderr, "FAIL %s\n", name);
}

/*
 * What a function prints, as a string: print to check_capture_start()'s
 * file, then read check_capture_end().  tmpfile() is plain C, unlike
 * open_memstream().
 */
static char check_capture_buf[1 << 16];

static inline FILE *check_capture_start(void)
{
	static FILE *f;

	if (!f)
		f = tmpfile();
	if (!f) {
		perror("tmpfile");
		exit(2);
	}
	rewind(f);
	return f;
}

static inline const char *check_capture_end(FILE *f)
{
	long n = ftell(f);
	size_t got;

	if (n < 0 || (size_t)n >= sizeof(check_capture_buf)) {
		fprintf(stderr, "capture: %ld bytes\n", n);
		exit(2);
	}
	rewind(f);
	got = fread(check_capture_buf, 1, n, f);
	check_capture_buf[got] = '\0';
	return check_capture_buf;
}

/* Returns the exit status for main. */
static inline int check_summary(void)
{
	printf("%u passed, %u failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif /* S2FUZZ_CHECK_H */
