/* unit.h: a tiny TAP test harness for the C unit tests (one header, no library). */
#ifndef RUMPSH_UNIT_H
#define RUMPSH_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_count, unit_failed, unit_case_failed;

/* CHECK records a failure of the current case and keeps going. */
#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		unit_case_failed = 1; \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	long long unit_a_ = (long long)(a), unit_b_ = (long long)(b); \
	if (unit_a_ != unit_b_) { \
		printf("# %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, \
		    __LINE__, #a, #b, unit_a_, unit_b_); \
		unit_case_failed = 1; \
	} \
} while (0)

/* RUN runs one test function and prints its TAP line. */
#define RUN(fn) do { \
	unit_case_failed = 0; \
	fn(); \
	unit_count++; \
	if (unit_case_failed) unit_failed++; \
	printf("%sok %d - %s\n", unit_case_failed ? "not " : "", unit_count, #fn); \
} while (0)

/* DONE prints the TAP plan and gives the exit status. */
#define DONE() (printf("1..%d\n", unit_count), unit_failed ? 1 : 0)

#endif
