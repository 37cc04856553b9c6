/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for what lib/siphash.c and <linux/siphash.h> take
 * from the kernel's <linux/kernel.h> and friends: rotations, byte order
 * (x86-64: little-endian, so the conversions are identities), Kconfig
 * tests, attributes and EXPORT_SYMBOL.
 */
#ifndef LBNL_SHIM_LINUX_KERNEL_H
#define LBNL_SHIM_LINUX_KERNEL_H

#include <linux/types.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the shim's byte order conversions assume a little-endian host"
#endif

/* <linux/kconfig.h>'s IS_ENABLED(), for options set to 1 or not at all. */
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x) ___is_defined(x)
#define ___is_defined(val) ____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option) __is_defined(option)

/* x86-64 (CONFIG_DCACHE_WORD_ACCESS is left out: no word-at-a-time.h). */
#define CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS 1
#define BITS_PER_LONG 64

#define __force
#define __aligned(x) __attribute__((__aligned__(x)))
#define fallthrough __attribute__((__fallthrough__))
#define EXPORT_SYMBOL(sym) extern int lbnl_shim_export_##sym

#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)

static inline u64 rol64(u64 word, unsigned int shift)
{
	return (word << (shift & 63)) | (word >> ((-shift) & 63));
}

static inline u32 rol32(u32 word, unsigned int shift)
{
	return (word << (shift & 31)) | (word >> ((-shift) & 31));
}

#define le64_to_cpu(x) ((u64)(x))
#define le32_to_cpu(x) ((u32)(x))
#define le16_to_cpu(x) ((u16)(x))

static inline u64 le64_to_cpup(const void *p)
{
	u64 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline u32 le32_to_cpup(const void *p)
{
	u32 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline u16 le16_to_cpup(const void *p)
{
	u16 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

#endif
