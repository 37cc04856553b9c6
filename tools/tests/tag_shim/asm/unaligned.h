/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel's <asm/unaligned.h> (little-endian). */
#ifndef LBNL_SHIM_ASM_UNALIGNED_H
#define LBNL_SHIM_ASM_UNALIGNED_H

#include <linux/kernel.h>

#define get_unaligned_le64(p) le64_to_cpup(p)
#define get_unaligned_le32(p) le32_to_cpup(p)
#define get_unaligned_le16(p) le16_to_cpup(p)

#endif
