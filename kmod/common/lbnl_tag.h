/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnl - routable SCTP verification tags: the codec both roles share.
 *
 * QUIC-LB's idea applied to SCTP. A server (lbnl_srv.ko) makes the SCTP
 * stack choose the tags of its associations as
 *
 *	tag = P_key(server id << LBNL_TAG_RAND_BITS | random bits)
 *
 * where P_key is a keyed permutation of the 32-bit values: a balanced
 * Feistel network of LBNL_TAG_ROUNDS rounds on two 16-bit halves, each
 * round's function the kernel's SipHash-2-4 of (round, half) under the key.
 * Any LB holding the key inverts P_key and reads the id (lbnl.ko routes a
 * packet without an entry to the dest of that id). With four rounds and a
 * pseudo-random round function a Feistel network is a pseudo-random
 * permutation (Luby-Rackoff): without the key the tags are as unpredictable
 * as the stack's own, and say nothing of the server. What the key gives
 * away to whoever holds it: which server an association is on, and that a
 * server's tags are drawn from 2^20 values instead of 2^32 (a blind
 * attacker without the key still has to guess all 32 bits).
 *
 * Tag 0 is reserved (RFC 9260: the INIT's): exactly one plain value maps
 * to it, and lbnl_tag_encode() draws other random bits then.
 *
 * Header-only: both modules use it, neither depends on the other, and the
 * host test (tools/tests/test_tag.c) compiles it against the kernel's own
 * lib/siphash.c.
 */
#ifndef _LBNL_TAG_H
#define _LBNL_TAG_H

#include <asm/unaligned.h>
#include <linux/siphash.h>
#include <linux/types.h>
#include <uapi/linux/lbnl.h>

#define LBNL_TAG_RAND_BITS	(32 - LBNL_TAG_ID_BITS)
#define LBNL_TAG_RAND_MASK	((1U << LBNL_TAG_RAND_BITS) - 1)
#define LBNL_TAG_ROUNDS		4

/* Input of the key's fingerprint: "lbnl" in ASCII. */
#define LBNL_TAG_FINGERPRINT_IN	0x6c626e6c

/* One round's function: 16 bits of SipHash(round, half). */
static inline u16 lbnl_tag_round(const siphash_key_t *key, u32 round,
				 u16 half)
{
	return (u16)siphash_2u32(round, half, key);
}

/**
 * lbnl_tag_permute() - P_key: the tag of a plain value
 * @key: the key
 * @plain: server id << LBNL_TAG_RAND_BITS | random bits
 *
 * Return: the tag.
 */
static inline u32 lbnl_tag_permute(const siphash_key_t *key, u32 plain)
{
	u16 l = plain >> 16, r = plain & 0xffff, t;
	u32 i;

	for (i = 0; i < LBNL_TAG_ROUNDS; i++) {
		t = r;
		r = l ^ lbnl_tag_round(key, i, r);
		l = t;
	}
	return (u32)l << 16 | r;
}

/**
 * lbnl_tag_unpermute() - P_key's inverse: the plain value of a tag
 * @key: the key
 * @tag: the tag
 *
 * Return: the plain value.
 */
static inline u32 lbnl_tag_unpermute(const siphash_key_t *key, u32 tag)
{
	u16 l = tag >> 16, r = tag & 0xffff, t;
	u32 i = LBNL_TAG_ROUNDS;

	while (i--) {
		t = l;
		l = r ^ lbnl_tag_round(key, i, l);
		r = t;
	}
	return (u32)l << 16 | r;
}

/**
 * lbnl_tag_encode() - a tag naming a server
 * @key: the key
 * @id: the server's id, 1..LBNL_TAG_ID_MAX
 * @rand: random bits (only the low LBNL_TAG_RAND_BITS are used)
 *
 * Return: the tag; 0 (reserved) if these random bits give it: draw others.
 */
static inline u32 lbnl_tag_encode(const siphash_key_t *key, u16 id, u32 rand)
{
	return lbnl_tag_permute(key, (u32)id << LBNL_TAG_RAND_BITS |
				     (rand & LBNL_TAG_RAND_MASK));
}

/**
 * lbnl_tag_choose() - a new tag naming a server, never 0
 * @key: the key
 * @id: the server's id, 1..LBNL_TAG_ID_MAX
 * @rand: the source of random bits; called again while the tag is 0,
 *	which one draw in 2^LBNL_TAG_RAND_BITS gives for some ids
 *
 * Return: the tag.
 */
static inline u32 lbnl_tag_choose(const siphash_key_t *key, u16 id,
				  u32 (*rand)(void))
{
	u32 tag;

	do {
		tag = lbnl_tag_encode(key, id, rand());
	} while (!tag);
	return tag;
}

/**
 * lbnl_tag_decode() - the server id a tag names
 * @key: the key
 * @tag: the tag
 *
 * Return: the id; 0 if none (a tag chosen without the key names a random
 * id, which the LB only trusts if one of the VIP's dests has it).
 */
static inline u16 lbnl_tag_decode(const siphash_key_t *key, u32 tag)
{
	return lbnl_tag_unpermute(key, tag) >> LBNL_TAG_RAND_BITS;
}

/**
 * lbnl_tag_fingerprint() - what identifies a key without revealing it
 * @key: the key
 *
 * Return: 32 bits of SipHash of a constant: equal on every host of the key.
 */
static inline u32 lbnl_tag_fingerprint(const siphash_key_t *key)
{
	return (u32)siphash_1u32(LBNL_TAG_FINGERPRINT_IN, key);
}

/**
 * lbnl_tag_key_from_bytes() - the key of LBNL_TAG_KEY_LEN bytes
 * @key: set
 * @bytes: as configured (two little-endian 64-bit words, SipHash's own
 *	convention for a byte-string key)
 */
static inline void lbnl_tag_key_from_bytes(siphash_key_t *key, const u8 *bytes)
{
	key->key[0] = get_unaligned_le64(bytes);
	key->key[1] = get_unaligned_le64(bytes + 8);
}

#endif /* _LBNL_TAG_H */
