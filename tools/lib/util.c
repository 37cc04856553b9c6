// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "util.h"

/* Digits of base 10 or 16 only (no sign, blanks or prefix), 0..UINT32_MAX. */
static int parse_u32_digits(const char *s, unsigned int base, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (*s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		v = v * base + d;
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

int lbnl_parse_u32(const char *s, uint32_t *out)
{
	return parse_u32_digits(s, 10, out);
}

int lbnl_parse_u32_or_hex(const char *s, uint32_t *out)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_u32_digits(s + 2, 16, out);
	return parse_u32_digits(s, 10, out);
}

void *lbnl_grow_array(void *items, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;

	/* Never NULL for success: an empty array is allocated all the same. */
	if (*cap && need <= *cap)
		return items;
	while (n < need)
		n *= 2;
	items = realloc(items, n * size);
	if (items)
		*cap = n;
	return items;
}

uint64_t lbnl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
