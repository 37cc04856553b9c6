/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LBNL_UTIL_H
#define LBNL_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Decimal digits only (no sign, blanks or hex), 0..UINT32_MAX. -errno. */
int lbnl_parse_u32(const char *s, uint32_t *out);
/* The same, or hexadecimal after "0x" ("0x1a2b3c4d", as vtags print). */
int lbnl_parse_u32_or_hex(const char *s, uint32_t *out);
/* Now, in milliseconds since the epoch (CLOCK_REALTIME). */
uint64_t lbnl_now_ms(void);
/*
 * Make room for at least need items in an array of *cap items of size
 * bytes each: the (possibly moved) array, or NULL (the old one is kept).
 * An array of no room yet is allocated even for need 0, so that NULL
 * always means out of memory.
 */
void *lbnl_grow_array(void *items, size_t *cap, size_t need, size_t size);

#endif
