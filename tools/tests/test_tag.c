// SPDX-License-Identifier: GPL-2.0
/*
 * test_tag: host unit test of the routable SCTP tag codec both modules
 * share (kmod/common/lbnl_tag.h), built in userspace against the kernel's
 * own SipHash (lib/siphash.c and include/linux/siphash.h of Debian's
 * linux-source-6.1, extracted by tools/Makefile; tests/tag_shim/ stands in
 * for the few kernel headers they need). And the decoder the VM test
 * (selftests/tag_server.sh) reads tags with.
 *
 *   test_tag                        run the tests: KTAP, exit 0 or 1
 *   test_tag decode KEYHEX TAG...   the server id each TAG names (0x... or
 *                                   decimal), one a line
 *   test_tag encode KEYHEX ID RAND [COUNT]
 *                                   the tag of ID with those random bits
 *                                   (COUNT tags: RAND, RAND+1, ...; the
 *                                   benchmark selftests/bench_tags.sh)
 *   test_tag fingerprint KEYHEX     the key's fingerprint, 8 hex digits
 *
 * KEYHEX is a key as "lbnl tag genkey" prints it: 32 hex digits, the 16
 * bytes in order. The tests use fixed keys and a fixed pseudo-random
 * sequence: they always see the same values, and a failure repeats.
 *
 * What they check:
 *  0. the kernel's SipHash, built here, gives the reference test vector;
 *  1. every tag decodes to the id it was encoded with (100,000 random ids
 *     and random bits); only the one plain value P^-1(0) encodes to the
 *     reserved tag 0, and lbnl_tag_choose() draws again then;
 *  2. the permutation is one: P^-1(P(x)) = x and P(P^-1(x)) = x for 1M
 *     random x, and the 2^20 tags of one id are distinct;
 *  3. without the key the tags of ONE server id look uniform: chi-square of
 *     each of the 4 bytes over 256 buckets below 400 (df 255: p ~ 1e-12),
 *     every bit set in 0.5 +- 0.01 of them (6 sigma) - and the plain values
 *     fail the same test;
 *  4. another key decodes a tag to its id about 1 time in 4096;
 *  5. fingerprints differ between keys and are stable: known answers for a
 *     fixed key pin the codec, so that a change breaking compatibility
 *     between versions (LBs and servers of the same key must agree) fails
 *     here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lbnl_tag.h>

#define N_TAGS		100000
#define N_PERMUTE	1000000
#define CHI2_MAX	400.0
#define BIT_TOLERANCE	0.01

/* The test key: bytes 00 01 .. 0f (SipHash's own test vectors' key). */
static const u8 test_key_bytes[LBNL_TAG_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

/*
 * Known answers under the test key, computed once with the codec of
 * commit 82404aa (4 Feistel rounds, SipHash-2-4 round function), and the
 * fingerprint and tag checked then against an independent SipHash-2-4 (in
 * Python, from the paper). If one of these changes, tags chosen by servers
 * of the old codec no longer decode on LBs of the new one (and
 * fingerprints no longer match): that is a compatibility break, not a test
 * to update lightly.
 */
#define KAT_FINGERPRINT		0x9ad342c3U
#define KAT_ID			7
#define KAT_RAND		0x12345U
#define KAT_TAG			0x344849f4U
#define KAT_UNPERMUTE_0		0x6140d6d0U

/*
 * SipHash-2-4's reference vector (the paper's appendix A): the message
 * 00 01 .. 07 under the test key. It tells the shim (byte order,
 * rotations) is right.
 */
#define SIPHASH_VECTOR_IN	0x0706050403020100ULL
#define SIPHASH_VECTOR_OUT	0x93f5f5799a932462ULL

static int ktap_n, ktap_failed;

static void __attribute__((format(printf, 2, 3)))
ktap_result(int ok, const char *fmt, ...)
{
	va_list ap;

	ktap_n++;
	if (!ok)
		ktap_failed++;
	printf("%sok %d ", ok ? "" : "not ", ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* splitmix64: a fixed, reproducible sequence. */
static u64 rng_state = 0x6c626e6c74616731ULL;

static u64 rng64(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u32 rng32(void)
{
	return (u32)(rng64() >> 32);
}

/* 1..LBNL_TAG_ID_MAX */
static u16 random_id(void)
{
	return 1 + rng32() % LBNL_TAG_ID_MAX;
}

static void random_key(siphash_key_t *key)
{
	key->key[0] = rng64();
	key->key[1] = rng64();
}

static void test_key(siphash_key_t *key)
{
	lbnl_tag_key_from_bytes(key, test_key_bytes);
}

/* 1. Encode, decode, the reserved tag 0 and the retry. -------------------- */

/* A random source for lbnl_tag_choose() that gives scripted values first. */
static u32 script[2];
static unsigned int script_len, script_pos, script_calls;

static u32 scripted_rand(void)
{
	script_calls++;
	if (script_pos < script_len)
		return script[script_pos++];
	return rng32();
}

static void test_round_trip(void)
{
	siphash_key_t key, k;
	unsigned int i, bad = 0, zero = 0, zero_bad = 0, mask_bad = 0;
	u32 p0, rand0, tag, r, zeros;
	u16 id, id0;

	test_key(&key);
	for (i = 0; i < N_TAGS; i++) {
		id = random_id();
		r = rng32();
		tag = lbnl_tag_encode(&key, id, r);
		if (lbnl_tag_decode(&key, tag) != id)
			bad++;
		if (!tag) {
			zero++;
			if (lbnl_tag_unpermute(&key, 0) !=
			    ((u32)id << LBNL_TAG_RAND_BITS | (r & LBNL_TAG_RAND_MASK)))
				zero_bad++;
		}
		/* Only the low LBNL_TAG_RAND_BITS of the random bits count. */
		if (lbnl_tag_encode(&key, id, r & LBNL_TAG_RAND_MASK) != tag)
			mask_bad++;
	}
	ktap_result(!bad, "decode(encode(id, rand)) = id for %d random ids and bits (%u wrong)",
		    N_TAGS, bad);
	ktap_result(!zero_bad && !mask_bad,
		    "encode gives 0 only for the plain value unpermute(0) (%u times here, %u not it), and uses only the low %d random bits (%u not)",
		    zero, zero_bad, LBNL_TAG_RAND_BITS, mask_bad);

	/* lbnl_tag_choose() of random ids: never 0, always the id. */
	bad = 0;
	for (i = 0; i < N_TAGS; i++) {
		id = random_id();
		script_len = script_pos = 0;
		tag = lbnl_tag_choose(&key, id, scripted_rand);
		if (!tag || lbnl_tag_decode(&key, tag) != id)
			bad++;
	}
	ktap_result(!bad, "lbnl_tag_choose() never gives 0 and always the id (%d ids, %u wrong)",
		    N_TAGS, bad);

	/*
	 * The retry: a key whose P^-1(0) is a real id (4095 keys in 4096),
	 * then the random bits that make that id's tag 0, drawn first.
	 */
	k = key;
	for (i = 0; i < 100; i++) {
		p0 = lbnl_tag_unpermute(&k, 0);
		if (p0 >> LBNL_TAG_RAND_BITS)
			break;
		random_key(&k);
	}
	id0 = p0 >> LBNL_TAG_RAND_BITS;
	rand0 = p0 & LBNL_TAG_RAND_MASK;
	ktap_result(id0 && !lbnl_tag_encode(&k, id0, rand0),
		    "unpermute(0) = 0x%08x: id %u with random bits 0x%05x encodes to 0",
		    p0, id0, rand0);
	script[0] = rand0;
	script[1] = rand0 ^ 1;
	script_len = 2;
	script_pos = script_calls = 0;
	tag = lbnl_tag_choose(&k, id0, scripted_rand);
	ktap_result(script_calls == 2 && tag && lbnl_tag_decode(&k, tag) == id0 &&
		    tag == lbnl_tag_encode(&k, id0, rand0 ^ 1),
		    "lbnl_tag_choose() draws again after 0: %u draws, tag 0x%08x, id %u",
		    script_calls, tag, lbnl_tag_decode(&k, tag));
	/* Exactly one of id0's 2^20 plain values gives 0, none of another id's. */
	zeros = 0;
	for (r = 0; r <= LBNL_TAG_RAND_MASK; r++)
		zeros += !lbnl_tag_encode(&k, id0, r);
	id = id0 == LBNL_TAG_ID_MAX ? 1 : id0 + 1;
	for (r = 0; r <= LBNL_TAG_RAND_MASK; r++)
		zeros += !lbnl_tag_encode(&k, id, r) ? 100 : 0;
	ktap_result(zeros == 1, "of ids %u and %u with every random value, one tag is 0 (count %u)",
		    id0, id, zeros);
}

/* 2. A permutation. -------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static void test_permutation(void)
{
	siphash_key_t key;
	unsigned int i, bad = 0, dups = 0;
	u32 x, *tags;

	test_key(&key);
	for (i = 0; i < N_PERMUTE; i++) {
		x = rng32();
		if (lbnl_tag_unpermute(&key, lbnl_tag_permute(&key, x)) != x ||
		    lbnl_tag_permute(&key, lbnl_tag_unpermute(&key, x)) != x)
			bad++;
	}
	ktap_result(!bad, "unpermute(permute(x)) = permute(unpermute(x)) = x for %d random x (%u not)",
		    N_PERMUTE, bad);

	tags = calloc(LBNL_TAG_RAND_MASK + 1, sizeof(*tags));
	if (!tags) {
		ktap_result(0, "the tags of one id are distinct # out of memory");
		return;
	}
	for (x = 0; x <= LBNL_TAG_RAND_MASK; x++)
		tags[x] = lbnl_tag_encode(&key, KAT_ID, x);
	qsort(tags, LBNL_TAG_RAND_MASK + 1, sizeof(*tags), cmp_u32);
	for (x = 1; x <= LBNL_TAG_RAND_MASK; x++)
		dups += tags[x] == tags[x - 1];
	free(tags);
	ktap_result(!dups, "the %u tags of id %d are distinct (%u duplicates)",
		    LBNL_TAG_RAND_MASK + 1, KAT_ID, dups);
}

/* 3. Uniformity without the key. ------------------------------------------ */

struct uniformity {
	double chi2[4];		/* per byte, over 256 buckets */
	double bit_freq[32];	/* share of values with the bit set */
	double chi2_max, bit_dev_max;
};

static void uniformity(const u32 *v, unsigned int n, struct uniformity *u)
{
	unsigned int counts[4][256] = { { 0 } }, bits[32] = { 0 };
	double expected = n / 256.0, d;
	unsigned int i, b;

	for (i = 0; i < n; i++) {
		for (b = 0; b < 4; b++)
			counts[b][(v[i] >> (8 * b)) & 0xff]++;
		for (b = 0; b < 32; b++)
			bits[b] += (v[i] >> b) & 1;
	}
	memset(u, 0, sizeof(*u));
	for (b = 0; b < 4; b++) {
		for (i = 0; i < 256; i++) {
			d = counts[b][i] - expected;
			u->chi2[b] += d * d / expected;
		}
		if (u->chi2[b] > u->chi2_max)
			u->chi2_max = u->chi2[b];
	}
	for (b = 0; b < 32; b++) {
		u->bit_freq[b] = (double)bits[b] / n;
		d = u->bit_freq[b] > 0.5 ? u->bit_freq[b] - 0.5 :
					   0.5 - u->bit_freq[b];
		if (d > u->bit_dev_max)
			u->bit_dev_max = d;
	}
}

static void test_uniformity(void)
{
	static u32 tags[N_TAGS], plain[N_TAGS];
	struct uniformity u, p;
	siphash_key_t key;
	unsigned int i;
	u32 r;

	test_key(&key);
	for (i = 0; i < N_TAGS; i++) {
		r = rng32() & LBNL_TAG_RAND_MASK;
		plain[i] = (u32)KAT_ID << LBNL_TAG_RAND_BITS | r;
		tags[i] = lbnl_tag_encode(&key, KAT_ID, r);
	}
	uniformity(tags, N_TAGS, &u);
	printf("# tags of id %d: chi-square per byte %.1f %.1f %.1f %.1f (df 255), largest bit deviation %.4f\n",
	       KAT_ID, u.chi2[0], u.chi2[1], u.chi2[2], u.chi2[3],
	       u.bit_dev_max);
	ktap_result(u.chi2_max < CHI2_MAX,
		    "the %d tags of one id: every byte uniform (chi-square %.1f < %.0f)",
		    N_TAGS, u.chi2_max, CHI2_MAX);
	ktap_result(u.bit_dev_max <= BIT_TOLERANCE,
		    "the %d tags of one id: every bit set in 0.5 +- %.2f of them (largest deviation %.4f)",
		    N_TAGS, BIT_TOLERANCE, u.bit_dev_max);
	/* The test can tell: the plain values (a constant id) fail it. */
	uniformity(plain, N_TAGS, &p);
	ktap_result(p.chi2_max >= CHI2_MAX && p.bit_dev_max > BIT_TOLERANCE,
		    "the same test rejects the plain values (chi-square %.0f, bit deviation %.2f)",
		    p.chi2_max, p.bit_dev_max);
}

/* 4. Another key. ---------------------------------------------------------- */

static void test_other_key(void)
{
	siphash_key_t key, other;
	unsigned int i, same = 0;
	u16 id;

	test_key(&key);
	random_key(&other);
	for (i = 0; i < N_TAGS; i++) {
		id = random_id();
		same += lbnl_tag_decode(&other, lbnl_tag_choose(&key, id,
								rng32)) == id;
	}
	/* Expected N_TAGS / 4096 = 24.4 (Poisson: 5..60 is p > 1 - 1e-6). */
	ktap_result(same >= 5 && same <= 60,
		    "another key decodes %u of %d tags to their id (about 1 in 4096: %.1f)",
		    same, N_TAGS, N_TAGS / 4096.0);
}

/* 5. Fingerprints and known answers. -------------------------------------- */

static void test_siphash(void)
{
	siphash_key_t key;
	u64 h;

	test_key(&key);
	h = siphash_1u64(SIPHASH_VECTOR_IN, &key);
	ktap_result(h == SIPHASH_VECTOR_OUT,
		    "the kernel's SipHash-2-4 built here gives the reference vector (0x%016llx)",
		    (unsigned long long)h);
}

static void test_fingerprints(void)
{
	static u32 fps[1000];
	siphash_key_t key, k;
	unsigned int i, dups = 0;
	u32 fp, tag, p0;

	test_key(&key);
	fp = lbnl_tag_fingerprint(&key);
	tag = lbnl_tag_encode(&key, KAT_ID, KAT_RAND);
	p0 = lbnl_tag_unpermute(&key, 0);
	printf("# test key 000102..0f: fingerprint 0x%08x, encode(%d, 0x%05x) = 0x%08x, unpermute(0) = 0x%08x\n",
	       fp, KAT_ID, KAT_RAND, tag, p0);
	ktap_result(fp == KAT_FINGERPRINT && fp == lbnl_tag_fingerprint(&key),
		    "fingerprint of the test key: 0x%08x (pinned 0x%08x)",
		    fp, KAT_FINGERPRINT);
	ktap_result(tag == KAT_TAG && p0 == KAT_UNPERMUTE_0,
		    "known answers of the test key: tag 0x%08x (pinned 0x%08x), unpermute(0) 0x%08x (pinned 0x%08x)",
		    tag, KAT_TAG, p0, KAT_UNPERMUTE_0);

	for (i = 0; i < 1000; i++) {
		random_key(&k);
		fps[i] = lbnl_tag_fingerprint(&k);
	}
	qsort(fps, 1000, sizeof(*fps), cmp_u32);
	for (i = 1; i < 1000; i++)
		dups += fps[i] == fps[i - 1];
	ktap_result(!dups, "1000 random keys have distinct fingerprints (%u equal)",
		    dups);
}

/* Tools for the VM test. --------------------------------------------------- */

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_key(const char *hex, siphash_key_t *key)
{
	u8 bytes[LBNL_TAG_KEY_LEN];
	int i, hi, lo;

	if (strlen(hex) != 2 * LBNL_TAG_KEY_LEN)
		return -EINVAL;
	for (i = 0; i < LBNL_TAG_KEY_LEN; i++) {
		hi = hex_digit(hex[2 * i]);
		lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		bytes[i] = hi << 4 | lo;
	}
	lbnl_tag_key_from_bytes(key, bytes);
	return 0;
}

static int parse_u32(const char *s, u32 *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end || x > 0xffffffffULL || *s == '-')
		return -EINVAL;
	*v = x;
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: test_tag\n"
		"       test_tag decode KEYHEX TAG...\n"
		"       test_tag encode KEYHEX ID RAND [COUNT]\n"
		"       test_tag fingerprint KEYHEX\n");
	return 2;
}

static int tool(int argc, char **argv)
{
	siphash_key_t key;
	u32 v, id;
	int i;

	if (argc < 3 || parse_key(argv[2], &key)) {
		if (argc >= 3)
			fprintf(stderr, "test_tag: '%s' is not 32 hex digits\n",
				argv[2]);
		return usage();
	}
	if (!strcmp(argv[1], "fingerprint") && argc == 3) {
		printf("%08x\n", lbnl_tag_fingerprint(&key));
		return 0;
	}
	if (!strcmp(argv[1], "encode") && (argc == 5 || argc == 6)) {
		u32 n = 1;

		if (parse_u32(argv[3], &id) || !id || id > LBNL_TAG_ID_MAX ||
		    parse_u32(argv[4], &v) ||
		    (argc == 6 && parse_u32(argv[5], &n)))
			return usage();
		while (n--)
			printf("0x%08x\n", lbnl_tag_encode(&key, id, v++));
		return 0;
	}
	if (!strcmp(argv[1], "decode") && argc >= 4) {
		for (i = 3; i < argc; i++) {
			if (parse_u32(argv[i], &v)) {
				fprintf(stderr, "test_tag: bad tag '%s'\n",
					argv[i]);
				return 2;
			}
			printf("%u\n", lbnl_tag_decode(&key, v));
		}
		return 0;
	}
	return usage();
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return tool(argc, argv);
	printf("TAP version 13\n");
	printf("# test_tag: kmod/common/lbnl_tag.h with the kernel's lib/siphash.c\n");
	test_siphash();
	test_round_trip();
	test_permutation();
	test_uniformity();
	test_other_key();
	test_fingerprints();
	printf("1..%d\n", ktap_n);
	printf("# test_tag: %d checks, %d failed\n", ktap_n, ktap_failed);
	return ktap_failed ? 1 : 0;
}
