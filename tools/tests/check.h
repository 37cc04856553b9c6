/* SPDX-License-Identifier: GPL-2.0 */
/* The unit tests' one assertion: count it, print a line if it fails. */
#ifndef LBNL_TESTS_CHECK_H
#define LBNL_TESTS_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

#endif
