// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the parts of the lbnl library that need no kernel:
 * address/port parsing and formatting, numbers, names, JSON printing,
 * JSON parsing, the association state document, the LB role's
 * connection entries, counters and migrations, and a VIP's bypass state
 * (netlink messages built here, parsed and printed by the library).
 * Prints one line per failure; exit status 0 if all passed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <linux/lbnl.h>
#include <linux/lbnl_srv.h>

#include "addr.h"
#include "assoc_state.h"
#include "assoc_translate.h"
#include "attrs.h"
#include "check.h"
#include "errors.h"
#include "json_print.h"
#include "lb_print.h"
#include "names.h"
#include "tag.h"
#include "util.h"

/* s parses as ADDR[:PORT]; formats back as expect (addr:port form). */
static void addr_ok(const char *s, int family, const char *expect,
		    bool port_required)
{
	char buf[LBNL_ADDRPORTSTRLEN];
	struct lbnl_addr a;
	uint16_t port;
	bool has_port;
	int err;

	err = lbnl_parse_addr_port(s, &a, &port,
				   port_required ? NULL : &has_port);
	CHECK(!err, "'%s' refused: %s", s, lbnl_addr_strerror(err));
	if (err)
		return;
	CHECK(a.family == family, "'%s': family %d", s, a.family);
	lbnl_format_addr_port(&a, port, buf, sizeof(buf));
	CHECK(!strcmp(buf, expect), "'%s' formats as '%s', not '%s'", s, buf,
	      expect);
}

static void addr_bad(const char *s, bool port_required, int expect_err)
{
	struct lbnl_addr a;
	uint16_t port;
	bool has_port;
	int err;

	err = lbnl_parse_addr_port(s, &a, &port,
				   port_required ? NULL : &has_port);
	CHECK(err == expect_err, "'%s' gave %d, expected %d", s, err,
	      expect_err);
}

static void test_addr_port(void)
{
	addr_ok("192.0.2.1:80", AF_INET, "192.0.2.1:80", true);
	addr_ok("0.0.0.0:0", AF_INET, "0.0.0.0:0", true);
	addr_ok("255.255.255.255:65535", AF_INET, "255.255.255.255:65535",
		true);
	addr_ok("10.0.0.1:080", AF_INET, "10.0.0.1:80", true);
	addr_ok("[2001:db8::1]:80", AF_INET6, "[2001:db8::1]:80", true);
	addr_ok("[::1]:443", AF_INET6, "[::1]:443", true);
	addr_ok("[2001:DB8:0:0:0:0:0:1]:1", AF_INET6, "[2001:db8::1]:1", true);
	addr_ok("[::ffff:192.0.2.1]:80", AF_INET6, "[::ffff:192.0.2.1]:80",
		true);

	/* Port optional (dests): absent port reads as 0. */
	addr_ok("10.0.0.1", AF_INET, "10.0.0.1:0", false);
	addr_ok("2001:db8::1", AF_INET6, "[2001:db8::1]:0", false);
	addr_ok("[2001:db8::1]", AF_INET6, "[2001:db8::1]:0", false);
	addr_ok("2001:db8::1:80", AF_INET6, "[2001:db8::1:80]:0", false);
	addr_ok("[2001:db8::1]:8080", AF_INET6, "[2001:db8::1]:8080", false);

	addr_bad("192.0.2.1", true, LBNL_ADDR_ENOPORT);
	addr_bad("2001:db8::1", true, LBNL_ADDR_ENOPORT);
	addr_bad("[2001:db8::1]", true, LBNL_ADDR_ENOPORT);
	addr_bad("192.0.2.1:", true, LBNL_ADDR_EPORT);
	addr_bad("192.0.2.1:65536", true, LBNL_ADDR_EPORT);
	addr_bad("192.0.2.1:99999999999", true, LBNL_ADDR_EPORT);
	addr_bad("192.0.2.1:-1", true, LBNL_ADDR_EPORT);
	addr_bad("192.0.2.1:+80", true, LBNL_ADDR_EPORT);
	addr_bad("192.0.2.1:8 0", true, LBNL_ADDR_EPORT);
	addr_bad("192.0.2.1:0x50", true, LBNL_ADDR_EPORT);
	addr_bad("192.0.2.1:80:80", true, LBNL_ADDR_EINVAL);
	addr_bad("[2001:db8::1]:", true, LBNL_ADDR_EPORT);
	addr_bad("[2001:db8::1]80", true, LBNL_ADDR_EINVAL);
	addr_bad("[2001:db8::1", true, LBNL_ADDR_EINVAL);
	addr_bad("[192.0.2.1]:80", true, LBNL_ADDR_EINVAL);
	addr_bad("[]:80", true, LBNL_ADDR_EINVAL);
	addr_bad("192.0.2:80", true, LBNL_ADDR_EINVAL);
	addr_bad("192.0.2.256:80", true, LBNL_ADDR_EINVAL);
	addr_bad("host.example:80", true, LBNL_ADDR_EINVAL);
	addr_bad("", true, LBNL_ADDR_EINVAL);
	addr_bad(":80", true, LBNL_ADDR_EINVAL);
	addr_bad("fe80::1%eth0", false, LBNL_ADDR_EINVAL);
	addr_bad("2001:db8::g", false, LBNL_ADDR_EINVAL);
	addr_bad("[2001:db8::1]:80x", false, LBNL_ADDR_EPORT);
	addr_bad("[0123456789012345678901234567890123456789012345678]:1",
		 true, LBNL_ADDR_EINVAL);
}

static void test_addr_misc(void)
{
	struct lbnl_addr a, b;
	unsigned char raw4[4] = { 192, 0, 2, 1 };
	char buf[LBNL_ADDRSTRLEN];

	CHECK(!lbnl_parse_addr("192.0.2.1", &a), "bare v4");
	CHECK(!lbnl_parse_addr("[2001:db8::1]", &a), "bracketed v6");
	CHECK(lbnl_parse_addr("192.0.2.1:80", &a), "bare with port refused");

	CHECK(!lbnl_addr_from_raw(&b, raw4, 4), "raw v4");
	CHECK(!lbnl_parse_addr("192.0.2.1", &a), "parse");
	CHECK(lbnl_addr_equal(&a, &b), "raw v4 equals parsed");
	CHECK(lbnl_addr_len(&b) == 4, "v4 length");
	CHECK(lbnl_addr_from_raw(&b, raw4, 5) == LBNL_ADDR_EINVAL, "raw 5 bytes");
	CHECK(!strcmp(lbnl_format_addr(&a, buf, sizeof(buf)), "192.0.2.1"),
	      "format bare");
	CHECK(!lbnl_parse_addr("::1", &a) && lbnl_addr_len(&a) == 16,
	      "v6 length");
}

static void test_numbers(void)
{
	uint32_t v;
	uint16_t p;

	CHECK(!lbnl_parse_u32("0", &v) && v == 0, "u32 0");
	CHECK(!lbnl_parse_u32("4294967295", &v) && v == 4294967295U, "u32 max");
	CHECK(lbnl_parse_u32("4294967296", &v), "u32 max+1");
	CHECK(lbnl_parse_u32("", &v), "u32 empty");
	CHECK(lbnl_parse_u32("-1", &v), "u32 negative");
	CHECK(lbnl_parse_u32(" 1", &v), "u32 blank");
	CHECK(lbnl_parse_u32("1e3", &v), "u32 junk");
	CHECK(!lbnl_parse_u32_or_hex("0x1a2B3c4D", &v) && v == 0x1a2b3c4d,
	      "hex u32");
	CHECK(!lbnl_parse_u32_or_hex("0XFFFFFFFF", &v) && v == 0xffffffff,
	      "hex u32 max, 0X");
	CHECK(!lbnl_parse_u32_or_hex("0x00000001", &v) && v == 1,
	      "hex leading zeros");
	CHECK(!lbnl_parse_u32_or_hex("439041101", &v) && v == 439041101,
	      "decimal, as well");
	CHECK(!lbnl_parse_u32_or_hex("0", &v) && v == 0, "0 is decimal");
	CHECK(lbnl_parse_u32_or_hex("0x100000000", &v) == -ERANGE,
	      "hex u32 max+1");
	CHECK(lbnl_parse_u32_or_hex("0x", &v), "hex without digits");
	CHECK(lbnl_parse_u32_or_hex("1a2b", &v), "hex without 0x");
	CHECK(lbnl_parse_u32_or_hex("0x-1", &v) && lbnl_parse_u32_or_hex("-0x1",
									 &v),
	      "hex with a sign");
	CHECK(lbnl_parse_u32("0x1", &v), "lbnl_parse_u32 takes no hex");
	CHECK(!lbnl_parse_port("65535", &p) && p == 65535, "port max");
	CHECK(lbnl_parse_port("65536", &p), "port max+1");
}

static void test_names(void)
{
	unsigned int v;

	CHECK(!lbnl_value(&lbnl_proto_names, "sctp", &v) && v == IPPROTO_SCTP,
	      "sctp");
	CHECK(lbnl_value(&lbnl_proto_names, "SCTP", &v), "names are exact");
	CHECK(lbnl_value(&lbnl_proto_names, "sc", &v), "no prefix matching");
	CHECK(!lbnl_value(&lbnl_mode_names, "tun", &v) && v == LBNL_FWD_TUN,
	      "tun");
	CHECK(!lbnl_value(&lbnl_bypass_names, "auto", &v) &&
	      v == LBNL_BYPASS_AUTO, "auto");
	CHECK(!lbnl_value(&lbnl_state_names, "drain", &v) &&
	      v == LBNL_DEST_DRAIN, "drain");
	CHECK(!strcmp(lbnl_name(&lbnl_state_names, LBNL_DEST_MAINT), "maint"),
	      "maint name");
	CHECK(!lbnl_name(&lbnl_mode_names, 200), "unknown value has no name");
	/* Every mode of the uapi has its name and its properties. */
	CHECK(lbnl_mode_names.count == LBNL_FWD_MAX + 1, "a name per mode");
	for (v = 0; v <= LBNL_FWD_MAX; v++)
		CHECK(lbnl_name(&lbnl_mode_names, v) && lbnl_mode_info(v),
		      "mode %u has a name and a lbnl_mode_info row", v);
	CHECK(lbnl_mode_info(LBNL_FWD_NAT)->dnat &&
	      !lbnl_mode_info(LBNL_FWD_TUN)->dnat, "nat rewrites, tun not");
	CHECK(!lbnl_mode_info(200), "unknown mode has no properties");
	CHECK(!strcmp(lbnl_name(&lbnl_flag_names, LBNL_VIP_F_MULTI), "multi"),
	      "multi flag");
	CHECK(!strcmp(lbnl_name(&lbnl_conn_state_names,
				LBNL_CONN_SCTP_COOKIE), "cookie_echoed"),
	      "cookie_echoed");
	CHECK(!strcmp(lbnl_name(&lbnl_conn_state_names,
				LBNL_CONN_TCP_ESTABLISHED), "established") &&
	      !strcmp(lbnl_name(&lbnl_conn_state_names,
				LBNL_CONN_SCTP_ESTABLISHED), "established"),
	      "established, TCP and SCTP");
	CHECK(lbnl_conn_state_names.count == LBNL_CONN_STATE_MAX + 1,
	      "a name for every conn state");
	CHECK(!strcmp(lbnl_name(&lbnl_conn_flag_names, LBNL_CONN_F_DEST_GONE),
		      "dest_gone"), "dest_gone flag");
	CHECK(lbnl_drop_reason_names.count == LBNL_DROP_MAX,
	      "a name for every drop reason but UNSPEC");
	CHECK(!lbnl_name(&lbnl_drop_reason_names, LBNL_DROP_UNSPEC),
	      "no name for UNSPEC");
	CHECK(!strcmp(lbnl_name(&lbnl_drop_reason_names, LBNL_DROP_NO_ROUTE),
		      "no_route"), "no_route");
	CHECK(!strcmp(lbnl_name(&lbnl_drop_reason_names, LBNL_DROP_XMIT),
		      "xmit"), "xmit");
	CHECK(!lbnl_value(&lbnl_drop_reason_names, "conn_limit", &v) &&
	      v == LBNL_DROP_CONN_LIMIT, "conn_limit");
	CHECK(!strcmp(lbnl_name(&lbnl_drop_reason_names,
				LBNL_DROP_MIGRATE_FULL), "migrate_full"),
	      "migrate_full");
	CHECK(!strcmp(lbnl_name(&lbnl_drop_reason_names,
				LBNL_DROP_TTL_EXCEEDED), "ttl_exceeded"),
	      "ttl_exceeded");
	CHECK(!lbnl_value(&lbnl_drop_reason_names, "bad_checksum", &v) &&
	      v == LBNL_DROP_BAD_CHECKSUM, "bad_checksum");
	CHECK(!lbnl_value(&lbnl_drop_reason_names, "migrate_flush", &v) &&
	      v == LBNL_DROP_MIGRATE_FLUSH, "migrate_flush");
	CHECK(!lbnl_value(&lbnl_drop_reason_names, "reasm", &v) &&
	      v == LBNL_DROP_REASM && LBNL_DROP_REASM == LBNL_DROP_MAX,
	      "reasm, the last reason");
	CHECK(lbnl_migrate_state_names.count == __LBNL_MIGRATE_STATE_MAX,
	      "a name for every migration state");
	CHECK(!strcmp(lbnl_name(&lbnl_migrate_state_names,
				LBNL_MIGRATE_BUFFERING), "buffering"),
	      "buffering");
}

/* Run print in text or JSON mode, compare the output with expect. */
static void check_output(bool json, bool pretty, void (*print)(void),
			 const char *expect)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	json_print_init(fp, json, pretty);
	print();
	fclose(fp);
	CHECK(!strcmp(out, expect), "output\n%s\nexpected\n%s", out, expect);
	free(out);
}

static void print_sample(void)
{
	open_json_array(NULL);
	open_json_object(NULL);
	print_text("vip ");
	print_string(PRINT_FP, NULL, "%s", "192.0.2.1:80");
	print_string(PRINT_JSON, "addr", NULL, "192.0.2.1");
	print_uint(PRINT_JSON, "port", NULL, 80);
	print_string(PRINT_ANY, "proto", " proto %s", "tcp");
	open_json_array("flags");
	close_json_array();
	open_json_array("dests");
	open_json_object(NULL);
	print_uint(PRINT_ANY, "weight", " weight %u", 3);
	close_json_object();
	close_json_array();
	print_string(PRINT_ANY, "odd", " odd %s", "a\"b\\c\n");
	print_nl();
	close_json_object();
	close_json_array();
}

static void print_empty(void)
{
	open_json_array(NULL);
	close_json_array();
}

static void test_json_print(void)
{
	check_output(false, false, print_sample,
		     "vip 192.0.2.1:80 proto tcp weight 3 odd a\"b\\c\n\n");
	check_output(true, false, print_sample,
		     "[{\"addr\":\"192.0.2.1\",\"port\":80,\"proto\":\"tcp\","
		     "\"flags\":[],\"dests\":[{\"weight\":3}],"
		     "\"odd\":\"a\\\"b\\\\c\\u000a\"}]\n");
	check_output(true, true, print_sample,
		     "[\n"
		     "    {\n"
		     "        \"addr\": \"192.0.2.1\",\n"
		     "        \"port\": 80,\n"
		     "        \"proto\": \"tcp\",\n"
		     "        \"flags\": [],\n"
		     "        \"dests\": [\n"
		     "            {\n"
		     "                \"weight\": 3\n"
		     "            }\n"
		     "        ],\n"
		     "        \"odd\": \"a\\\"b\\\\c\\u000a\"\n"
		     "    }\n"
		     "]\n");
	check_output(true, false, print_empty, "[]\n");
	check_output(false, false, print_empty, "");
}

/* JSON parsing (jansson) -------------------------------------------------- */

/*
 * Not JSON: the state document's parser (jansson, with its flags)
 * refuses it before any schema check, with a message starting "line L,
 * column C: " (at) and holding jansson's words what (if given).
 */
static void json_bad(const char *text, size_t len, const char *at,
		     const char *what)
{
	struct lbu_assoc_state s;
	char err[256];
	int ret = lbnl_assoc_state_parse(text, len, &s, err, sizeof(err));

	CHECK(ret, "'%s' accepted", text);
	CHECK(ret && !strncmp(err, at, strlen(at)) &&
	      (!what || strstr(err, what)),
	      "'%s': message '%s', expected '%s...%s'", text, err, at,
	      what ? what : "");
}

#define JSON_BAD(text, at) json_bad(text, strlen(text), at, NULL)

/* JSON: refused, if at all, by the schema, not as "line L, column C". */
static void json_ok(const char *text, size_t len)
{
	struct lbu_assoc_state s;
	char err[256];
	int ret = lbnl_assoc_state_parse(text, len, &s, err, sizeof(err));

	CHECK(ret && strncmp(err, "line ", 5), "'%s' refused as JSON: %s",
	      text, ret ? err : "(accepted)");
}

#define JSON_OK(text) json_ok(text, strlen(text))

static void test_json_parse_values(void)
{
	char deep[2 * 64 + 1];

	JSON_OK(" {\"a\" : [1, -2, 3.5, 1e3, true, false, null, \"s\", {}, []],"
		"\"b\":{\"c\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}}\r\n\t");
	JSON_OK("0");
	JSON_OK("-0");
	JSON_OK("\"\"");
	JSON_OK("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	JSON_OK("[9223372036854775807, -9223372036854775808]");
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	deep[2 * 64] = '\0';
	JSON_OK(deep);

	/* What the document relies on jansson for. */
	JSON_BAD("[18446744073709551615, 18446744073709551616, -0]",
		 "line 1, column 21: ");
	json_bad("[9223372036854775808]", 21, "line 1, column 20: ",
		 "too big integer");
	json_bad("[-9223372036854775809]", 22, "line 1, column 21: ",
		 "too big negative integer");
	json_bad("\"a\\u0000b\"", 10, "line 1, column 10: ",
		 "\\u0000 is not allowed");
	json_bad("{\"a\\u0000\":1}", 13, "line 1, column 10: ",
		 "NUL byte in object key");
	json_bad("{\"a\":1,\"a\":2}", 13, "line 1, column 10: ",
		 "duplicate object key");
	json_bad("{} x", 4, "line 1, column 4: ", "end of file expected");
}

static void test_json_parse_errors(void)
{
	char deep[3000];

	JSON_BAD("", "line 1, column 0: ");
	JSON_BAD("  \n ", "line 2, column 1: ");
	JSON_BAD("{} x", "line 1, column 4: ");
	JSON_BAD("{}{}", "line 1, column 3: ");
	JSON_BAD("1 2", "line 1, column 3: ");
	JSON_BAD("{\"a\":1,}", "line 1, column 8: ");
	JSON_BAD("[1,]", "line 1, column 4: ");
	JSON_BAD("[1 2]", "line 1, column 4: ");
	JSON_BAD("{\"a\" 1}", "line 1, column 6: ");
	JSON_BAD("{\"a\":1 \"b\":2}", "line 1, column 10: ");
	JSON_BAD("{a:1}", "line 1, column 2: ");
	JSON_BAD("{'a':1}", "line 1, column 2: ");
	JSON_BAD("01", "line 1, column 1: ");
	JSON_BAD("-", "line 1, column 1: ");
	JSON_BAD("+1", "line 1, column 1: ");
	JSON_BAD("1.", "line 1, column 2: ");
	JSON_BAD(".5", "line 1, column 1: ");
	JSON_BAD("1e", "line 1, column 2: ");
	JSON_BAD("0x10", "line 1, column 2: ");
	JSON_BAD("NaN", "line 1, column 3: ");
	JSON_BAD("Infinity", "line 1, column 8: ");
	JSON_BAD("tru", "line 1, column 3: ");
	JSON_BAD("nul", "line 1, column 3: ");
	JSON_BAD("True", "line 1, column 4: ");
	JSON_BAD("\"abc", "line 1, column 4: ");
	JSON_BAD("\"a\tb\"", "line 1, column 2: ");
	JSON_BAD("\"a\nb\"", "line 1, column 2: ");
	JSON_BAD("\"\\x\"", "line 1, column 3: ");
	JSON_BAD("\"\\u12\"", "line 1, column 6: ");
	JSON_BAD("\"\\ud83d\"", "line 1, column 8: ");
	JSON_BAD("\"\\ude00\"", "line 1, column 8: ");
	JSON_BAD("\"\\ud83d\\u0041\"", "line 1, column 14: ");
	JSON_BAD("\"\xff\"", "line 1, column 1: ");
	JSON_BAD("\"\xc3\"", "line 1, column 1: ");
	JSON_BAD("\"\xc0\xaf\"", "line 1, column 1: ");		/* overlong */
	JSON_BAD("\"\xed\xa0\x80\"", "line 1, column 1: ");	/* surrogate */
	JSON_BAD("\xef\xbb\xbf{}", "line 1, column 1: ");	/* BOM */
	JSON_BAD("/* c */ {}", "line 1, column 1: ");
	json_bad("{}\0", 3, "line 1, column 3: ", NULL);
	json_bad("\"a\0b\"", 5, "line 1, column 2: ", NULL);
	JSON_BAD("{\"a\":1,\"a\":2}", "line 1, column 10: ");
	JSON_BAD("{\"x\":[{\"b\":1},{\"a\":1,\"b\":2,\"a\":3}]}",
		 "line 1, column 30: ");
	JSON_BAD("{\"x\":{\"\\u0041\":1,\"A\":2}}", "line 1, column 20: ");
	memset(deep, '[', sizeof(deep));
	json_bad(deep, 65, "line 1, column 65: ", NULL);
	json_bad(deep, 64, "line 1, column 64: ", NULL);
	json_bad(deep, sizeof(deep), "line 1, column 2049: ",
		 "maximum parsing depth reached");
}

/* The association state document ------------------------------------------ */

static void sample_state(struct lbu_assoc_state *s)
{
	static struct lbnl_addr laddrs[2];
	static struct lbu_assoc_path paths[2];
	static uint32_t out_ssn[3] = { 0, 7, 4294967295U };
	static uint32_t in_ssn[2] = { 65536, 1 };

	memset(s, 0, sizeof(*s));
	memset(paths, 0, sizeof(paths));
	s->version = LBNL_ASSOC_STATE_VERSION;
	lbnl_parse_addr("192.0.2.10", &s->key.laddr);
	s->key.lport = 3868;
	lbnl_parse_addr("198.51.100.1", &s->key.paddr);
	s->key.pport = 40000;
	lbnl_parse_addr("192.0.2.10", &laddrs[0]);
	lbnl_parse_addr("2001:db8::10", &laddrs[1]);
	s->laddrs = laddrs;
	s->n_laddrs = 2;
	paths[0].addr = s->key.paddr;
	paths[0].rto_us = 200000;
	paths[0].srtt_us = 1500;
	paths[0].rttvar_us = 750;
	paths[0].cwnd = 4380;
	paths[0].ssthresh = 4294967295U;
	lbnl_parse_addr("2001:db8::1", &paths[1].addr);
	paths[1].rto_us = 3000000;
	s->paths = paths;
	s->n_paths = 2;
	s->my_vtag = 0x1a2b3c4d;
	s->peer_vtag = 0xffffffff;
	s->next_tsn = 0;
	s->peer_next_tsn = 2147483648U;
	s->out_streams = 3;
	s->in_streams = 2;
	s->out_ssn = out_ssn;
	s->in_ssn = in_ssn;
	s->peer_rwnd = 106496;
	s->features = LBNL_ASSOC_F_ECN | LBNL_ASSOC_F_PRSCTP | (1U << 31);
	s->addip_serial = 1;
	s->peer_addip_serial = 2;
	s->strreset_outseq = 3;
	s->strreset_inseq = 4;
	s->adaptation_ind = 5;
	s->created_ms = INT64_MAX;	/* jansson's largest integer */
}

static const char sample_json[] =
	"{\"version\":1,\"local\":{\"addr\":\"192.0.2.10\",\"port\":3868},"
	"\"peer\":{\"addr\":\"198.51.100.1\",\"port\":40000},"
	"\"local_addrs\":[\"192.0.2.10\",\"2001:db8::10\"],"
	"\"paths\":[{\"addr\":\"198.51.100.1\",\"rto_us\":200000,"
	"\"srtt_us\":1500,\"rttvar_us\":750,\"cwnd\":4380,"
	"\"ssthresh\":4294967295},{\"addr\":\"2001:db8::1\",\"rto_us\":3000000,"
	"\"srtt_us\":0,\"rttvar_us\":0,\"cwnd\":0,\"ssthresh\":0}],"
	"\"vtag\":439041101,\"peer_vtag\":4294967295,\"next_tsn\":0,"
	"\"peer_next_tsn\":2147483648,\"out_streams\":3,\"in_streams\":2,"
	"\"out_ssn\":[0,7,4294967295],\"in_ssn\":[65536,1],"
	"\"peer_rwnd\":106496,\"features\":[\"ecn\",\"prsctp\",2147483648],"
	"\"addip_serial\":1,\"peer_addip_serial\":2,\"strreset_outseq\":3,"
	"\"strreset_inseq\":4,\"adaptation_ind\":5,"
	"\"created_ms\":9223372036854775807}\n";

/* The state printed as a document (malloc'ed). */
static char *state_text(const struct lbu_assoc_state *s, bool pretty)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	json_print_init(fp, true, pretty);
	lbnl_assoc_state_print(s);
	fclose(fp);
	return out;
}

static void test_state_round_trip(void)
{
	struct lbu_assoc_state s, back, again;
	char err[256], *text, *text2;
	bool pretty;

	sample_state(&s);
	text = state_text(&s, false);
	CHECK(!strcmp(text, sample_json), "document\n%s\nexpected\n%s", text,
	      sample_json);
	free(text);

	for (pretty = false; ; pretty = true) {
		text = state_text(&s, pretty);
		CHECK(!lbnl_assoc_state_parse(text, strlen(text), &back, err,
					      sizeof(err)),
		      "own document refused: %s", err);
		CHECK(lbnl_assoc_state_equal(&s, &back),
		      "parse(print(s)) != s (pretty %d)", pretty);
		text2 = state_text(&back, pretty);
		CHECK(!strcmp(text, text2), "print(parse(d)) != d:\n%s\n%s",
		      text, text2);
		CHECK(!lbnl_assoc_state_parse(text2, strlen(text2), &again,
					      err, sizeof(err)) &&
		      lbnl_assoc_state_equal(&back, &again),
		      "second round trip");
		lbu_assoc_state_free(&back);
		lbu_assoc_state_free(&again);
		free(text);
		free(text2);
		if (pretty)
			break;
	}
	CHECK(!back.laddrs && !back.n_paths, "free empties the state");
}

/*
 * A nat VIP's association moved to the target's own address and port:
 * the local endpoint and addresses change, nothing else; multi-homed or
 * another family: refused, the state unchanged.
 */
static void test_state_translate(void)
{
	struct lbu_assoc_state s, want;
	struct lbnl_endpoint to = { .port = 13868 }, to6 = { .port = 3868 };
	char err[256], why[256];
	int ret;

	lbnl_parse_addr("203.0.113.12", &to.addr);
	lbnl_parse_addr("2001:db8::12", &to6.addr);

	/* The sample is multi-homed (two local addresses): refused. */
	if (lbnl_assoc_state_parse(sample_json, strlen(sample_json), &s, err,
				   sizeof(err))) {
		CHECK(0, "sample refused: %s", err);
		return;
	}
	lbnl_assoc_state_parse(sample_json, strlen(sample_json), &want, err,
			       sizeof(err));
	why[0] = '\0';
	ret = lbnl_assoc_state_translate(&s, &to, why, sizeof(why));
	CHECK(ret == -EOPNOTSUPP && strstr(why, "2 local addresses (multi-homed") &&
	      lbnl_assoc_state_equal(&s, &want),
	      "multi-homed: %d %s", ret, why);

	/* One local address: the key and the list take the target's. */
	s.n_laddrs = want.n_laddrs = 1;
	ret = lbnl_assoc_state_translate(&s, &to, why, sizeof(why));
	want.key.laddr = to.addr;
	want.key.lport = 13868;
	want.laddrs[0] = to.addr;
	CHECK(!ret && lbnl_assoc_state_equal(&s, &want),
	      "single-homed: %d %s", ret, why);

	/* Another family: refused, unchanged. */
	why[0] = '\0';
	ret = lbnl_assoc_state_translate(&s, &to6, why, sizeof(why));
	CHECK(ret == -EAFNOSUPPORT && strstr(why, "differ in family") &&
	      lbnl_assoc_state_equal(&s, &want),
	      "family: %d %s", ret, why);

	/* No local address listed: the target's is. */
	s.n_laddrs = 0;
	free(s.laddrs);
	s.laddrs = NULL;
	ret = lbnl_assoc_state_translate(&s, &to, why, sizeof(why));
	CHECK(!ret && s.n_laddrs == 1 && lbnl_assoc_state_equal(&s, &want),
	      "no local address: %d %s", ret, why);
	lbu_assoc_state_free(&s);
	lbu_assoc_state_free(&want);
}

/* The sample document with the first occurrence of from replaced. */
static char *tamper(const char *from, const char *to)
{
	const char *at = strstr(sample_json, from);
	size_t n = strlen(sample_json) + strlen(to) + 1;
	char *out = malloc(n);

	if (!at) {
		printf("FAIL: '%s' not in the sample\n", from);
		failures++;
		snprintf(out, n, "%s", sample_json);
		return out;
	}
	snprintf(out, n, "%.*s%s%s", (int)(at - sample_json), sample_json, to,
		 at + strlen(from));
	return out;
}

/* The tampered document is refused with exactly the message expect. */
static void state_bad(const char *from, const char *to, const char *expect)
{
	struct lbu_assoc_state s;
	char err[256], *text = tamper(from, to);
	int ret = lbnl_assoc_state_parse(text, strlen(text), &s, err,
					 sizeof(err));

	CHECK(ret, "'%s' -> '%s' accepted", from, to);
	CHECK(ret && !strcmp(err, expect),
	      "'%s' -> '%s': message '%s', expected '%s'", from, to, err,
	      expect);
	CHECK(!s.laddrs && !s.paths && !s.out_ssn && !s.in_ssn,
	      "refused state left allocated");
	free(text);
}

static void state_bad_text(const char *text, const char *expect)
{
	struct lbu_assoc_state s;
	char err[256];
	int ret = lbnl_assoc_state_parse(text, strlen(text), &s, err,
					 sizeof(err));

	CHECK(ret && !strcmp(err, expect), "'%s': message '%s', expected '%s'",
	      text, ret ? err : "(accepted)", expect);
}

static void state_good(const char *from, const char *to)
{
	struct lbu_assoc_state s;
	char err[256], *text = tamper(from, to);

	CHECK(!lbnl_assoc_state_parse(text, strlen(text), &s, err,
				      sizeof(err)),
	      "'%s' -> '%s' refused: %s", from, to, err);
	lbu_assoc_state_free(&s);
	free(text);
}

static void test_state_tampering(void)
{
	/* Version. */
	state_bad("\"version\":1", "\"version\":2", "unknown version 2");
	state_bad("\"version\":1", "\"version\":0", "unknown version 0");
	state_bad("\"version\":1,", "", "version: missing");
	state_bad("\"version\":1", "\"version\":\"1\"",
		  "version: expected an integer, got a string");
	state_bad("\"version\":1", "\"version\":1.0",
		  "version: expected an integer, got 1.0");
	state_bad("\"version\":1", "\"version\":-1",
		  "version: -1 is out of range (0..4294967295)");
	/* A newer version is refused for its version, not its new keys. */
	state_bad("\"version\":1,", "\"version\":2,\"new\":true,",
		  "unknown version 2");

	/* Keys. */
	state_bad("\"peer_rwnd\":106496,", "", "peer_rwnd: missing");
	state_bad("\"created_ms\":9223372036854775807", "\"x\":0",
		  "x: unknown key");
	state_bad("\"version\":1,", "\"version\":1,\"state\":4,",
		  "state: unknown key");
	state_bad("\"port\":3868", "\"port\":3868,\"scope\":0",
		  "local.scope: unknown key");
	state_bad("\"ssthresh\":0", "\"ssthresh\":0,\"mtu\":1500",
		  "paths[1].mtu: unknown key");
	state_bad(",\"cwnd\":4380", "", "paths[0].cwnd: missing");
	state_bad("{\"addr\":\"198.51.100.1\",\"port\":40000}",
		  "{\"port\":40000}", "peer.addr: missing");
	state_bad("\"vtag\":439041101", "\"vtag\":439041101,\"vtag\":1",
		  "line 1, column 369: duplicate object key near '\"vtag\"'");
	state_bad("\"port\":3868", "\"port\":3868,\"port\":3868",
		  "line 1, column 60: duplicate object key near '\"port\"'");

	/* Types. */
	state_bad("\"vtag\":439041101", "\"vtag\":\"439041101\"",
		  "vtag: expected an integer, got a string");
	state_bad("\"vtag\":439041101", "\"vtag\":null",
		  "vtag: expected an integer, got null");
	state_bad("\"vtag\":439041101", "\"vtag\":true",
		  "vtag: expected an integer, got a boolean");
	state_bad("\"local\":{\"addr\":\"192.0.2.10\",\"port\":3868}",
		  "\"local\":[]", "local: expected an object, got an array");
	state_bad("\"local_addrs\":[\"192.0.2.10\",\"2001:db8::10\"]",
		  "\"local_addrs\":\"192.0.2.10\"",
		  "local_addrs: expected an array, got a string");
	state_bad("\"local_addrs\":[\"192.0.2.10\"",
		  "\"local_addrs\":[3232235786",
		  "local_addrs[0]: expected an address (a string), got a number");
	state_bad("\"paths\":[{", "\"paths\":[7,{",
		  "paths[0]: expected an object, got a number");
	state_bad("\"out_ssn\":[0,7,4294967295]", "\"out_ssn\":{}",
		  "out_ssn: expected an array, got an object");
	state_bad("\"out_ssn\":[0,7,", "\"out_ssn\":[0,\"7\",",
		  "out_ssn[1]: expected an integer, got a string");
	state_bad("\"features\":[\"ecn\"", "\"features\":[true",
		  "features[0]: expected a feature name, got a boolean");
	state_bad("\"features\":[\"ecn\",\"prsctp\",2147483648]",
		  "\"features\":\"ecn\"",
		  "features: expected an array, got a string");
	state_bad("\"created_ms\":9223372036854775807",
		  "\"created_ms\":1.5e3",
		  "created_ms: expected an integer, got 1500.0");

	/* Numbers out of range. */
	state_bad("\"peer_rwnd\":106496", "\"peer_rwnd\":-1",
		  "peer_rwnd: -1 is out of range (0..4294967295)");
	state_bad("\"port\":3868", "\"port\":65536",
		  "local.port: 65536 is out of range (0..65535)");
	state_bad("\"port\":40000", "\"port\":-40000",
		  "peer.port: -40000 is out of range (0..65535)");
	state_bad("\"peer_vtag\":4294967295", "\"peer_vtag\":4294967296",
		  "peer_vtag: 4294967296 is out of range (0..4294967295)");
	state_bad("\"cwnd\":4380", "\"cwnd\":99999999999999999999999",
		  "line 1, column 252: too big integer");
	state_bad("\"created_ms\":9223372036854775807",
		  "\"created_ms\":9223372036854775808",
		  "line 1, column 690: too big integer near '9223372036854775808'");
	state_bad("\"created_ms\":9223372036854775807",
		  "\"created_ms\":18446744073709551615",
		  "line 1, column 691: too big integer near '18446744073709551615'");
	state_bad("\"created_ms\":9223372036854775807", "\"created_ms\":-1",
		  "created_ms: -1 is out of range (0..9223372036854775807)");
	state_bad("\"in_ssn\":[65536,1]", "\"in_ssn\":[65536,4294967296]",
		  "in_ssn[1]: 4294967296 is out of range (0..4294967295)");
	state_bad("\"out_streams\":3", "\"out_streams\":65536",
		  "out_streams: 65536 is out of range (0..16382)");
	state_bad("\"in_streams\":2", "\"in_streams\":16383",
		  "in_streams: 16383 is out of range (0..16382)");

	/* SSN lists must match the stream counts. */
	state_bad("\"out_ssn\":[0,7,4294967295]", "\"out_ssn\":[0,7]",
		  "out_ssn: expected 3 entries, got 2");
	state_bad("\"in_ssn\":[65536,1]", "\"in_ssn\":[65536,1,2]",
		  "in_ssn: expected 2 entries, got 3");
	state_bad("\"out_streams\":3", "\"out_streams\":10",
		  "out_ssn: expected 10 entries, got 3");
	state_bad("\"in_ssn\":[65536,1]", "\"in_ssn\":[]",
		  "in_ssn: expected 2 entries, got 0");

	/* Addresses. */
	state_bad("\"addr\":\"192.0.2.10\"", "\"addr\":\"192.0.2.256\"",
		  "local.addr: \"192.0.2.256\" is not an IPv4 or IPv6 address");
	state_bad("\"addr\":\"198.51.100.1\",\"port\"",
		  "\"addr\":\"[2001:db8::1]\",\"port\"",
		  "peer.addr: \"[2001:db8::1]\" is not an IPv4 or IPv6 address");
	state_bad("\"2001:db8::10\"", "\"2001:db8::10%eth0\"",
		  "local_addrs[1]: \"2001:db8::10%eth0\" is not an IPv4 or IPv6 address");
	state_bad("\"2001:db8::10\"", "\" 2001:db8::10\"",
		  "local_addrs[1]: \" 2001:db8::10\" is not an IPv4 or IPv6 address");
	state_bad("\"2001:db8::10\"", "\"192.0.2.10\\u0000x\"",
		  "line 1, column 146: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"192.0.2.10\\u0000x\"'");
	state_bad("\"addr\":\"2001:db8::1\"", "\"addr\":\"db8::g\"",
		  "paths[1].addr: \"db8::g\" is not an IPv4 or IPv6 address");
	state_bad("\"addr\":\"192.0.2.10\"", "\"addr\":\"\"",
		  "local.addr: \"\" is not an IPv4 or IPv6 address");
	state_bad("\"addr\":\"192.0.2.10\"", "\"addr\":\"localhost\"",
		  "local.addr: \"localhost\" is not an IPv4 or IPv6 address");

	/* Features. */
	state_bad("\"ecn\"", "\"ECN\"",
		  "features[0]: unknown feature \"ECN\", expected one of {ecn|prsctp|auth|asconf|reconf|idata}");
	state_bad("\"prsctp\"", "\"ecn\"", "features[1]: listed twice");
	state_bad("2147483648]", "3]",
		  "features[2]: 3 is not a feature bit (a power of 2)");
	state_bad("2147483648]", "0]",
		  "features[2]: 0 is not a feature bit (a power of 2)");
	state_bad("2147483648]", "1]", "features[2]: listed twice");
	state_good("\"ecn\",\"prsctp\",2147483648",
		   "\"auth\",\"asconf\",\"reconf\",\"idata\"");
	state_good("\"ecn\",\"prsctp\",2147483648", "");

	/* Not a document. */
	state_bad("}\n", "} x",
		  "line 1, column 693: end of file expected near 'x'");
	state_bad("}\n", "}\n}",
		  "line 2, column 1: end of file expected near '}'");
	state_bad("}\n", "",
		  "line 1, column 690: '}' expected near end of file");
	state_bad_text("[]", "expected an object, got an array");
	state_bad_text("", "line 1, column 0: unexpected token near end of file");

	/* Still fine: blanks, key order, other spellings of a value. */
	state_good("\"version\":1,", "\n\t\"version\" :\r\n 1 ,\n");
	state_good("\"version\":1,\"local\":{\"addr\":\"192.0.2.10\",\"port\":3868},",
		   "\"local\":{\"port\":3868,\"addr\":\"192.0.2.10\"},\"version\":1,");
	state_good("\"2001:db8::10\"", "\"2001:DB8:0::10\"");
	state_good("\"2001:db8::10\"", "\"2001:db8::\\u0031\\u0030\"");
	state_good("\"next_tsn\":0", "\"next_tsn\":-0");	/* -0 is 0 */
}

/* Connection entries and counters ------------------------------------------ */

static struct nl_msg *msg_new(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg)
		genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, 0x20, 0, 0, cmd,
			    LBNL_GENL_VERSION);
	return msg;
}

static void put_addr(struct nl_msg *msg, int type, const char *text)
{
	struct lbnl_addr a;

	lbnl_parse_addr(text, &a);
	nla_put(msg, type, (int)lbnl_addr_len(&a), a.raw);
}

static void put_vip(struct nl_msg *msg, const char *addr, uint16_t port,
		    uint8_t proto)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_A_VIP);

	put_addr(msg, LBNL_A_VIP_ADDR, addr);
	nla_put_u16(msg, LBNL_A_VIP_PORT, port);
	nla_put_u8(msg, LBNL_A_VIP_PROTO, proto);
	nla_nest_end(msg, nest);
}

/* A u64 after a zero-length pad, as nla_put_u64_64bit() may write it. */
static void put_u64_pad(struct nl_msg *msg, int type, int pad, uint64_t v)
{
	nla_put(msg, pad, 0, NULL);
	nla_put_u64(msg, type, v);
}

/* An SCTP entry of an IPv6 VIP, with every attribute and an unknown one. */
static struct nl_msg *sctp_conn_msg(void)
{
	struct nl_msg *msg = msg_new(LBNL_CMD_CONN_GET);
	struct nlattr *nest;

	put_vip(msg, "2001:db8:10::1", 3868, IPPROTO_SCTP);
	nest = nla_nest_start(msg, LBNL_A_CONN);
	put_addr(msg, LBNL_A_CONN_PEER_ADDR, "2001:db8:1::1");
	nla_put_u16(msg, LBNL_A_CONN_PEER_PORT, 40000);
	put_addr(msg, LBNL_A_CONN_DEST_ADDR, "2001:db8:2::11");
	nla_put_u16(msg, LBNL_A_CONN_DEST_PORT, 3868);
	nla_put_u8(msg, LBNL_A_CONN_STATE, LBNL_CONN_SCTP_ESTABLISHED);
	nla_put_u32(msg, LBNL_A_CONN_FLAGS, LBNL_CONN_F_PICKED_UP |
		    LBNL_CONN_F_DEST_GONE | 0x80);
	put_u64_pad(msg, LBNL_A_CONN_AGE_MS, LBNL_A_CONN_PAD, 60123);
	put_u64_pad(msg, LBNL_A_CONN_IDLE_MS, LBNL_A_CONN_PAD, 5);
	put_u64_pad(msg, LBNL_A_CONN_EXPIRES_MS, LBNL_A_CONN_PAD, 899999);
	put_u64_pad(msg, LBNL_A_CONN_PACKETS, LBNL_A_CONN_PAD, 42);
	put_u64_pad(msg, LBNL_A_CONN_BYTES, LBNL_A_CONN_PAD,
		    5000000000ULL);
	nla_put_u32(msg, LBNL_A_CONN_MY_VTAG, 0x1a2b3c4d);
	nla_put_u32(msg, LBNL_A_CONN_PEER_VTAG, 0x5e6f7a8b);
	nla_put_u32(msg, LBNL_A_CONN_MAX + 5, 7);	/* a newer kernel's */
	nla_nest_end(msg, nest);
	return msg;
}

/*
 * A TCP entry of an IPv4 VIP: dest port 0 (the VIP's), a state without a
 * name, no flags. parts: which optional attributes to leave out (or, for
 * a migration, spoil: BAD_SOURCE).
 */
enum { NO_VIP = 1, NO_PEER_PORT = 2, SHORT_AGE = 4, BAD_SOURCE = 8 };

static struct nl_msg *tcp_conn_msg(unsigned int parts)
{
	struct nl_msg *msg = msg_new(LBNL_CMD_CONN_GET);
	struct nlattr *nest;

	if (!(parts & NO_VIP))
		put_vip(msg, "192.0.2.1", 80, IPPROTO_TCP);
	nest = nla_nest_start(msg, LBNL_A_CONN);
	put_addr(msg, LBNL_A_CONN_PEER_ADDR, "198.51.100.1");
	if (!(parts & NO_PEER_PORT))
		nla_put_u16(msg, LBNL_A_CONN_PEER_PORT, 40000);
	put_addr(msg, LBNL_A_CONN_DEST_ADDR, "203.0.113.11");
	nla_put_u16(msg, LBNL_A_CONN_DEST_PORT, 0);
	nla_put_u8(msg, LBNL_A_CONN_STATE, 99);
	if (parts & SHORT_AGE)
		nla_put_u32(msg, LBNL_A_CONN_AGE_MS, 12);
	else
		nla_put_u64(msg, LBNL_A_CONN_AGE_MS, 12999);
	nla_put_u64(msg, LBNL_A_CONN_IDLE_MS, 1000);
	nla_put_u64(msg, LBNL_A_CONN_EXPIRES_MS, 900000);
	nla_put_u64(msg, LBNL_A_CONN_PACKETS, 10);
	nla_put_u64(msg, LBNL_A_CONN_BYTES, 1200);
	nla_nest_end(msg, nest);
	return msg;
}

static struct lbu_conn conn_sample;

static void print_conn_sample(void)
{
	open_json_array(NULL);
	lbnl_conn_print(&conn_sample);
	close_json_array();
}

static void test_conn(void)
{
	struct nl_msg *msg = sctp_conn_msg();
	struct lbu_conn *c = &conn_sample;
	char buf[LBNL_ADDRPORTSTRLEN];
	int err;

	err = lbnl_parse_conn_msg(nlmsg_hdr(msg), c);
	nlmsg_free(msg);
	CHECK(!err, "SCTP entry refused: %d", err);
	CHECK(c->vip.proto == IPPROTO_SCTP && c->vip.port == 3868 &&
	      !strcmp(lbnl_format_addr(&c->vip.addr, buf, sizeof(buf)),
		      "2001:db8:10::1"), "SCTP entry: VIP key");
	CHECK(c->peer_port == 40000 && c->dest_port == 3868 &&
	      c->age_ms == 60123 && c->bytes == 5000000000ULL &&
	      c->my_vtag == 0x1a2b3c4d && c->peer_vtag == 0x5e6f7a8b,
	      "SCTP entry: values");
	check_output(false, false, print_conn_sample,
		     "sctp [2001:db8:10::1]:3868 peer [2001:db8:1::1]:40000 "
		     "dest [2001:db8:2::11]:3868 established "
		     "flags picked_up,dest_gone,0x80 age 60s idle 0s "
		     "expires 899s packets 42 bytes 5000000000 "
		     "vtag 0x1a2b3c4d peer_vtag 0x5e6f7a8b\n");
	check_output(true, false, print_conn_sample,
		     "[{\"vip\":\"[2001:db8:10::1]:3868\",\"proto\":\"sctp\","
		     "\"peer\":\"[2001:db8:1::1]:40000\","
		     "\"dest\":\"[2001:db8:2::11]:3868\","
		     "\"state\":\"established\","
		     "\"flags\":[\"picked_up\",\"dest_gone\",\"0x80\"],"
		     "\"age_ms\":60123,\"idle_ms\":5,\"expires_ms\":899999,"
		     "\"packets\":42,\"bytes\":5000000000,"
		     "\"my_vtag\":439041101,\"peer_vtag\":1584364171}]\n");

	msg = tcp_conn_msg(0);
	err = lbnl_parse_conn_msg(nlmsg_hdr(msg), c);
	nlmsg_free(msg);
	CHECK(!err, "TCP entry refused: %d", err);
	check_output(false, false, print_conn_sample,
		     "tcp 192.0.2.1:80 peer 198.51.100.1:40000 "
		     "dest 203.0.113.11:80 99 age 12s idle 1s expires 900s "
		     "packets 10 bytes 1200\n");
	check_output(true, false, print_conn_sample,
		     "[{\"vip\":\"192.0.2.1:80\",\"proto\":\"tcp\","
		     "\"peer\":\"198.51.100.1:40000\","
		     "\"dest\":\"203.0.113.11:80\",\"state\":\"99\","
		     "\"flags\":[],\"age_ms\":12999,\"idle_ms\":1000,"
		     "\"expires_ms\":900000,\"packets\":10,\"bytes\":1200}]\n");

	msg = tcp_conn_msg(NO_VIP);
	CHECK(lbnl_parse_conn_msg(nlmsg_hdr(msg), c) == -EPROTO,
	      "entry without its VIP");
	nlmsg_free(msg);
	msg = tcp_conn_msg(NO_PEER_PORT);
	CHECK(lbnl_parse_conn_msg(nlmsg_hdr(msg), c) == -EPROTO,
	      "entry without its peer port");
	nlmsg_free(msg);
	msg = tcp_conn_msg(SHORT_AGE);
	CHECK(lbnl_parse_conn_msg(nlmsg_hdr(msg), c) == -EPROTO,
	      "entry with a 4-byte age");
	nlmsg_free(msg);

	/* A picked-up SCTP entry: its own tag, not yet the peer's. */
	msg = msg_new(LBNL_CMD_CONN_GET);
	{
		struct nlattr *nest;

		put_vip(msg, "192.0.2.2", 3868, IPPROTO_SCTP);
		nest = nla_nest_start(msg, LBNL_A_CONN);
		put_addr(msg, LBNL_A_CONN_PEER_ADDR, "198.51.100.1");
		nla_put_u16(msg, LBNL_A_CONN_PEER_PORT, 40000);
		put_addr(msg, LBNL_A_CONN_DEST_ADDR, "203.0.113.12");
		nla_put_u32(msg, LBNL_A_CONN_FLAGS, LBNL_CONN_F_MIGRATED);
		nla_put_u32(msg, LBNL_A_CONN_MY_VTAG, 0x1a2b3c4d);
		nla_nest_end(msg, nest);
	}
	err = lbnl_parse_conn_msg(nlmsg_hdr(msg), c);
	nlmsg_free(msg);
	CHECK(!err && c->has & LBNL_CONN_HAS_MY_VTAG &&
	      !(c->has & LBNL_CONN_HAS_PEER_VTAG) && c->my_vtag == 0x1a2b3c4d &&
	      c->flags == LBNL_CONN_F_MIGRATED && c->dest_port == 3868,
	      "SCTP entry without the peer's tag: %d has 0x%x", err, c->has);
	check_output(false, false, print_conn_sample,
		     "sctp 192.0.2.2:3868 peer 198.51.100.1:40000 "
		     "dest 203.0.113.12:3868 flags migrated "
		     "vtag 0x1a2b3c4d\n");

	/* The request of "conn add": the association, its dest. */
	{
		struct nlattr *tb[LBNL_A_MAX + 1], *ct[LBNL_A_CONN_MAX + 1];
		struct lbu_conn n = { .peer_port = 40000, .my_vtag = 7,
				      .peer_vtag = 9 };

		lbnl_parse_addr("198.51.100.7", &n.peer_addr);
		lbnl_parse_addr("203.0.113.12", &n.dest_addr);
		msg = msg_new(LBNL_CMD_CONN_NEW);
		CHECK(!lbnl_put_conn_new(msg, &n), "put conn new");
		CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, LBNL_A_MAX, NULL) &&
		      tb[LBNL_A_CONN] &&
		      !nla_parse_nested(ct, LBNL_A_CONN_MAX, tb[LBNL_A_CONN],
					NULL) &&
		      nla_len(ct[LBNL_A_CONN_PEER_ADDR]) == 4 &&
		      nla_get_u16(ct[LBNL_A_CONN_PEER_PORT]) == 40000 &&
		      nla_get_u32(ct[LBNL_A_CONN_MY_VTAG]) == 7 &&
		      !ct[LBNL_A_CONN_PEER_VTAG] &&
		      nla_len(ct[LBNL_A_CONN_DEST_ADDR]) == 4 &&
		      !memcmp(nla_data(ct[LBNL_A_CONN_DEST_ADDR]),
			      n.dest_addr.raw, 4) &&
		      !ct[LBNL_A_CONN_DEST_PORT] && !ct[LBNL_A_CONN_STATE],
		      "conn new layout: no peer tag, the VIP's port");
		nlmsg_free(msg);
		n.has = LBNL_CONN_HAS_PEER_VTAG;
		n.dest_port = 3869;
		msg = msg_new(LBNL_CMD_CONN_NEW);
		CHECK(!lbnl_put_conn_new(msg, &n) &&
		      !genlmsg_parse(nlmsg_hdr(msg), 0, tb, LBNL_A_MAX, NULL) &&
		      tb[LBNL_A_CONN] &&
		      !nla_parse_nested(ct, LBNL_A_CONN_MAX, tb[LBNL_A_CONN],
					NULL) &&
		      ct[LBNL_A_CONN_PEER_VTAG] &&
		      nla_get_u32(ct[LBNL_A_CONN_PEER_VTAG]) == 9 &&
		      ct[LBNL_A_CONN_DEST_PORT] &&
		      nla_get_u16(ct[LBNL_A_CONN_DEST_PORT]) == 3869,
		      "conn new layout: the peer's tag, a dest port");
		nlmsg_free(msg);
	}

	/* The request of "conn del": the peer in an LBNL_A_CONN nest. */
	msg = msg_new(LBNL_CMD_CONN_DEL);
	{
		struct nlattr *tb[LBNL_A_MAX + 1], *ct[LBNL_A_CONN_MAX + 1];
		struct lbnl_addr peer;

		lbnl_parse_addr("198.51.100.7", &peer);
		CHECK(!lbnl_put_conn_key(msg, &peer, 4242), "put conn key");
		CHECK(!genlmsg_parse(nlmsg_hdr(msg), 0, tb, LBNL_A_MAX, NULL) &&
		      tb[LBNL_A_CONN] &&
		      !nla_parse_nested(ct, LBNL_A_CONN_MAX, tb[LBNL_A_CONN],
					NULL) &&
		      ct[LBNL_A_CONN_PEER_ADDR] && ct[LBNL_A_CONN_PEER_PORT] &&
		      nla_len(ct[LBNL_A_CONN_PEER_ADDR]) == 4 &&
		      !memcmp(nla_data(ct[LBNL_A_CONN_PEER_ADDR]), peer.raw,
			      4) &&
		      nla_get_u16(ct[LBNL_A_CONN_PEER_PORT]) == 4242 &&
		      !ct[LBNL_A_CONN_DEST_ADDR], "conn key layout");
	}
	nlmsg_free(msg);
}

/* Counters: the drops nest holds pads, unknown and out-of-range reasons. */
static void put_stats(struct nl_msg *msg, uint64_t base, bool active,
		      bool drops)
{
	struct nlattr *nest = nla_nest_start(msg, LBNL_A_STATS);

	put_u64_pad(msg, LBNL_A_STATS_PACKETS_IN, LBNL_A_STATS_PAD, base);
	put_u64_pad(msg, LBNL_A_STATS_BYTES_IN, LBNL_A_STATS_PAD, base * 100);
	nla_put_u64(msg, LBNL_A_STATS_PACKETS_OUT, base - 1);
	nla_put_u64(msg, LBNL_A_STATS_BYTES_OUT, base * 90);
	nla_put_u64(msg, LBNL_A_STATS_CONNS, 2);
	nla_put_u64(msg, LBNL_A_STATS_PICKED_UP, 0);
	if (active)
		nla_put_u64(msg, LBNL_A_STATS_ACTIVE_CONNS, 1);
	if (drops) {
		struct nlattr *d;

		nla_put_u64(msg, LBNL_A_STATS_DROPPED, 10);
		nla_put_u64(msg, LBNL_A_STATS_UNCONFIRMED, 3);
		nla_put_u64(msg, LBNL_A_STATS_EVICTED, 4);
		d = nla_nest_start(msg, LBNL_A_STATS_DROPS);
		nla_put(msg, LBNL_DROP_UNSPEC, 0, NULL);
		nla_put_u64(msg, LBNL_DROP_TRUNCATED, 1);
		nla_put(msg, LBNL_DROP_TRUNCATED, 0, NULL);	/* a pad */
		nla_put_u64(msg, LBNL_DROP_BAD_HEADER, 0);
		nla_put_u64(msg, LBNL_DROP_FRAGMENT, 2);
		nla_put_u64(msg, 40, 7);	/* a newer kernel's reason */
		nla_put_u64(msg, 70, 9);	/* past what we keep */
		nla_nest_end(msg, d);
	}
	nla_nest_end(msg, nest);
}

static struct nl_msg *stats_msg(const char *vip, uint16_t port, uint8_t proto,
				const char *dest, uint16_t dport,
				uint64_t base)
{
	struct nl_msg *msg = msg_new(LBNL_CMD_STATS_GET);

	if (vip)
		put_vip(msg, vip, port, proto);
	if (dest) {
		struct nlattr *nest = nla_nest_start(msg, LBNL_A_DEST);

		put_addr(msg, LBNL_A_DEST_ADDR, dest);
		nla_put_u16(msg, LBNL_A_DEST_PORT, dport);
		nla_nest_end(msg, nest);
	}
	put_stats(msg, base, !dest, !vip);
	return msg;
}

static struct lbnl_stats stats_global;
static struct lbnl_stats_entry stats_entries[5];
static struct lbnl_stats_list stats_list = { stats_entries, 5 };

static void print_stats_all(void)
{
	lbnl_stats_print(&stats_global, &stats_list);
}

static void print_stats_filtered(void)
{
	struct lbnl_stats_list one = { stats_entries, 2 };

	lbnl_stats_print(NULL, &one);
}

static void print_stats_empty(void)
{
	struct lbnl_stats_list none = { NULL, 0 };

	lbnl_stats_print(&stats_global, &none);
}

static void test_stats(void)
{
	struct {
		const char *vip;
		uint16_t port;
		uint8_t proto;
		const char *dest;
		uint16_t dport;
		uint64_t base;
	} dump[5] = {
		{ "192.0.2.1", 80, IPPROTO_TCP, NULL, 0, 10 },
		{ "192.0.2.1", 80, IPPROTO_TCP, "203.0.113.11", 8080, 6 },
		{ "2001:db8:10::1", 53, IPPROTO_UDP, NULL, 0, 3 },
		{ "2001:db8:10::1", 53, IPPROTO_UDP, "2001:db8:2::12", 0, 2 },
		/* A dest whose VIP did not come (a dump interrupted). */
		{ "192.0.2.9", 443, IPPROTO_SCTP, "203.0.113.13", 443, 1 },
	};
	struct lbnl_stats_entry e;
	struct nl_msg *msg;
	bool has_vip;
	unsigned int i;
	int err;

	msg = stats_msg(NULL, 0, 0, NULL, 0, 10);
	err = lbnl_parse_stats_msg(nlmsg_hdr(msg), &e, &has_vip);
	nlmsg_free(msg);
	CHECK(!err && !has_vip && !e.is_dest, "global counters: %d", err);
	stats_global = e.stats;
	CHECK(e.stats.has_drops && e.stats.drops[LBNL_DROP_TRUNCATED] == 1 &&
	      e.stats.drops[LBNL_DROP_FRAGMENT] == 2 &&
	      e.stats.drops[40] == 7 &&
	      e.stats.drops_present == ((1ULL << LBNL_DROP_TRUNCATED) |
					(1ULL << LBNL_DROP_BAD_HEADER) |
					(1ULL << LBNL_DROP_FRAGMENT) |
					(1ULL << 40)),
	      "drops: pads skipped, unknown reasons kept or ignored");
	CHECK(e.stats.counters[LBNL_COUNTER_BYTES_IN] == 1000 &&
	      e.stats.counters[LBNL_COUNTER_DROPPED] == 10 &&
	      e.stats.has == (1U << LBNL_COUNTERS) - 1, "global values");

	for (i = 0; i < 5; i++) {
		msg = stats_msg(dump[i].vip, dump[i].port, dump[i].proto,
				dump[i].dest, dump[i].dport, dump[i].base);
		err = lbnl_parse_stats_msg(nlmsg_hdr(msg), &stats_entries[i],
					   &has_vip);
		nlmsg_free(msg);
		CHECK(!err && has_vip &&
		      stats_entries[i].is_dest == !!dump[i].dest,
		      "dump message %u: %d", i, err);
	}
	CHECK(stats_entries[3].dest.port == 53, "dest port 0: the VIP's");

	check_output(false, false, print_stats_all,
		     "global packets_in 10 bytes_in 1000 packets_out 9 "
		     "bytes_out 900 conns 2 picked_up 0 active_conns 1 "
		     "unconfirmed 3 evicted 4 dropped 10\n"
		     "  drops truncated 1 fragment 2 40 7\n"
		     "vip 192.0.2.1:80 proto tcp packets_in 10 bytes_in 1000 "
		     "packets_out 9 bytes_out 900 conns 2 picked_up 0 "
		     "active_conns 1\n"
		     "  dest 203.0.113.11:8080 packets_in 6 bytes_in 600 "
		     "packets_out 5 bytes_out 540 conns 2 picked_up 0\n"
		     "vip [2001:db8:10::1]:53 proto udp packets_in 3 "
		     "bytes_in 300 packets_out 2 bytes_out 270 conns 2 "
		     "picked_up 0 active_conns 1\n"
		     "  dest [2001:db8:2::12]:53 packets_in 2 bytes_in 200 "
		     "packets_out 1 bytes_out 180 conns 2 picked_up 0\n"
		     "vip 192.0.2.9:443 proto sctp\n"
		     "  dest 203.0.113.13:443 packets_in 1 bytes_in 100 "
		     "packets_out 0 bytes_out 90 conns 2 picked_up 0\n");
	check_output(true, false, print_stats_filtered,
		     "{\"vips\":[{\"vip\":\"192.0.2.1:80\",\"proto\":\"tcp\","
		     "\"packets_in\":10,\"bytes_in\":1000,\"packets_out\":9,"
		     "\"bytes_out\":900,\"conns\":2,\"picked_up\":0,"
		     "\"active_conns\":1,"
		     "\"dests\":[{\"dest\":\"203.0.113.11:8080\","
		     "\"packets_in\":6,\"bytes_in\":600,\"packets_out\":5,"
		     "\"bytes_out\":540,\"conns\":2,\"picked_up\":0}]}]}\n");
	check_output(true, false, print_stats_empty,
		     "{\"global\":{\"packets_in\":10,\"bytes_in\":1000,"
		     "\"packets_out\":9,\"bytes_out\":900,\"conns\":2,"
		     "\"picked_up\":0,\"active_conns\":1,\"unconfirmed\":3,"
		     "\"evicted\":4,\"dropped\":10,"
		     "\"drops\":{\"truncated\":1,\"bad_header\":0,"
		     "\"fragment\":2,\"40\":7}},\"vips\":[]}\n");
	check_output(true, true, print_stats_filtered,
		     "{\n"
		     "    \"vips\": [\n"
		     "        {\n"
		     "            \"vip\": \"192.0.2.1:80\",\n"
		     "            \"proto\": \"tcp\",\n"
		     "            \"packets_in\": 10,\n"
		     "            \"bytes_in\": 1000,\n"
		     "            \"packets_out\": 9,\n"
		     "            \"bytes_out\": 900,\n"
		     "            \"conns\": 2,\n"
		     "            \"picked_up\": 0,\n"
		     "            \"active_conns\": 1,\n"
		     "            \"dests\": [\n"
		     "                {\n"
		     "                    \"dest\": \"203.0.113.11:8080\",\n"
		     "                    \"packets_in\": 6,\n"
		     "                    \"bytes_in\": 600,\n"
		     "                    \"packets_out\": 5,\n"
		     "                    \"bytes_out\": 540,\n"
		     "                    \"conns\": 2,\n"
		     "                    \"picked_up\": 0\n"
		     "                }\n"
		     "            ]\n"
		     "        }\n"
		     "    ]\n"
		     "}\n");

	/* No drops at all: no drops line; a malformed drop: refused. */
	stats_global.drops[LBNL_DROP_TRUNCATED] = 0;
	stats_global.drops[LBNL_DROP_FRAGMENT] = 0;
	stats_global.drops[40] = 0;
	check_output(false, false, print_stats_empty,
		     "global packets_in 10 bytes_in 1000 packets_out 9 "
		     "bytes_out 900 conns 2 picked_up 0 active_conns 1 "
		     "unconfirmed 3 evicted 4 dropped 10\n");
	msg = msg_new(LBNL_CMD_STATS_GET);
	{
		struct nlattr *st = nla_nest_start(msg, LBNL_A_STATS);
		struct nlattr *d = nla_nest_start(msg, LBNL_A_STATS_DROPS);

		nla_put_u32(msg, LBNL_DROP_NO_DEST, 1);
		nla_nest_end(msg, d);
		nla_nest_end(msg, st);
	}
	CHECK(lbnl_parse_stats_msg(nlmsg_hdr(msg), &e, &has_vip) == -EPROTO,
	      "a 4-byte drop counter");
	nlmsg_free(msg);
	msg = msg_new(LBNL_CMD_STATS_GET);
	put_vip(msg, "192.0.2.1", 80, IPPROTO_TCP);
	CHECK(lbnl_parse_stats_msg(nlmsg_hdr(msg), &e, &has_vip) == -EPROTO,
	      "a message without counters");
	nlmsg_free(msg);
}

/* Single-address tenants: a VIP's bypass state -------------------------- */

/*
 * A VIP_BYPASS event of an IPv4 tun VIP, every attribute; dest_port 0
 * (the VIP's) or not; changed_ms 0 or not.
 */
static struct nl_msg *bypass_vip_msg(uint8_t router, uint16_t dest_port,
				     uint64_t changed_ms)
{
	struct nl_msg *msg = msg_new(LBNL_CMD_VIP_BYPASS);
	struct nlattr *nest, *dest;

	nest = nla_nest_start(msg, LBNL_A_VIP);
	put_addr(msg, LBNL_A_VIP_ADDR, "192.0.2.1");
	nla_put_u16(msg, LBNL_A_VIP_PORT, 80);
	nla_put_u8(msg, LBNL_A_VIP_PROTO, IPPROTO_TCP);
	nla_put_u8(msg, LBNL_A_VIP_MODE, LBNL_FWD_TUN);
	nla_put_u8(msg, LBNL_A_VIP_BYPASS, LBNL_BYPASS_AUTO);
	nla_put_u32(msg, LBNL_A_VIP_FLAGS, LBNL_VIP_F_SINGLE);
	nla_put_u32(msg, LBNL_A_VIP_DEST_COUNT, 2);
	nla_put_u32(msg, LBNL_A_VIP_ACTIVE_DESTS, 1);
	nla_put_u8(msg, LBNL_A_VIP_ROUTER, router);
	dest = nla_nest_start(msg, LBNL_A_VIP_BYPASS_DEST);
	put_addr(msg, LBNL_A_DEST_ADDR, "203.0.113.11");
	nla_put_u16(msg, LBNL_A_DEST_PORT, dest_port);
	nla_nest_end(msg, dest);
	put_u64_pad(msg, LBNL_A_VIP_CHANGED_MS, LBNL_A_VIP_PAD, changed_ms);
	nla_nest_end(msg, nest);
	return msg;
}

static struct lbu_vip bypass_sample;

static void print_bypass_sample(void)
{
	open_json_object(NULL);
	lbnl_vip_bypass_print(&bypass_sample, 1700000012345ULL);
	print_nl();
	close_json_object();
}

static void test_bypass(void)
{
	struct nl_msg *msg = bypass_vip_msg(LBNL_ROUTER_PENDING, 0,
					    1700000000000ULL);
	struct lbu_vip *v = &bypass_sample;
	char buf[LBNL_ADDRPORTSTRLEN];
	struct lbnl_event ev;
	int err;

	err = lbnl_parse_msg(nlmsg_hdr(msg), &ev);
	nlmsg_free(msg);
	CHECK(!err && ev.cmd == LBNL_CMD_VIP_BYPASS && ev.has_vip &&
	      !ev.has_dest, "VIP_BYPASS event refused: %d", err);
	*v = ev.vip;
	CHECK((v->has & (LBNL_VIP_HAS_ACTIVE_DESTS | LBNL_VIP_HAS_ROUTER |
			 LBNL_VIP_HAS_BYPASS_DEST | LBNL_VIP_HAS_CHANGED)) ==
	      (LBNL_VIP_HAS_ACTIVE_DESTS | LBNL_VIP_HAS_ROUTER |
	       LBNL_VIP_HAS_BYPASS_DEST | LBNL_VIP_HAS_CHANGED),
	      "every bypass attribute marked present");
	CHECK(v->active_dests == 1 && v->router == LBNL_ROUTER_PENDING &&
	      v->changed_ms == 1700000000000ULL && v->bypass_port == 80 &&
	      !strcmp(lbnl_format_addr(&v->bypass_addr, buf, sizeof(buf)),
		      "203.0.113.11"),
	      "bypass values (dest port 0 is the VIP's)");
	check_output(false, false, print_bypass_sample,
		     " active 1 router pending bypass-dest 203.0.113.11:80"
		     " changed 12.3s ago\n");
	check_output(true, false, print_bypass_sample,
		     "{\"active_dests\":1,\"router\":\"pending\","
		     "\"bypass_dest\":{\"addr\":\"203.0.113.11\","
		     "\"port\":80},\"changed_ms\":1700000000000}\n");

	/* Withdrawn, dest port of its own, clock behind the transition. */
	msg = bypass_vip_msg(LBNL_ROUTER_WITHDRAWN, 8080, 1700000099999ULL);
	err = lbnl_parse_msg(nlmsg_hdr(msg), &ev);
	nlmsg_free(msg);
	*v = ev.vip;
	CHECK(!err && v->bypass_port == 8080, "bypass dest port 8080");
	check_output(false, false, print_bypass_sample,
		     " active 1 router withdrawn bypass-dest 203.0.113.11:8080"
		     " changed 0.0s ago\n");

	/* bypass off, never bypassed: text shows only the active count. */
	memset(v, 0, sizeof(*v));
	v->has = LBNL_VIP_HAS_BYPASS | LBNL_VIP_HAS_ACTIVE_DESTS |
		 LBNL_VIP_HAS_ROUTER | LBNL_VIP_HAS_CHANGED;
	v->bypass = LBNL_BYPASS_OFF;
	v->active_dests = 3;
	v->router = LBNL_ROUTER_LB;
	check_output(false, false, print_bypass_sample, " active 3\n");
	check_output(true, false, print_bypass_sample,
		     "{\"active_dests\":3,\"router\":\"lb\","
		     "\"bypass_dest\":null,\"changed_ms\":null}\n");
	/* bypass auto, never single: the router state is worth showing. */
	v->bypass = LBNL_BYPASS_AUTO;
	v->router = 9;		/* a newer module's state: its number */
	check_output(false, false, print_bypass_sample,
		     " active 3 router 9\n");
	/* An older module: no bypass attributes, nothing printed. */
	v->has = LBNL_VIP_HAS_BYPASS;
	check_output(false, false, print_bypass_sample, "\n");
	check_output(true, false, print_bypass_sample, "{}\n");

	CHECK(lbnl_router_names.count == LBNL_ROUTER_MAX + 1,
	      "a name for every router state");
	CHECK(!strcmp(lbnl_name(&lbnl_router_names, LBNL_ROUTER_WITHDRAWN),
		      "withdrawn"), "withdrawn");
	CHECK(!strcmp(lbnl_strerror(LBNL_OP_BYPASS_ACTIVE, -ESTALE),
		      "the VIP is no longer bypassed to that dest"),
	      "ESTALE of bypass-active");
	CHECK(!strcmp(lbnl_strerror(LBNL_OP_BYPASS_ACTIVE, ENOENT),
		      "VIP or dest not found"), "ENOENT of bypass-active");
}

/* Live SCTP migration (LB role) ------------------------------------------- */

/* A nest of enum lbnl_dest_attr: a migration's SOURCE or TARGET. */
static void put_dest_nest(struct nl_msg *msg, int type, const char *addr,
			  uint16_t port)
{
	struct nlattr *nest = nla_nest_start(msg, type);

	put_addr(msg, LBNL_A_DEST_ADDR, addr);
	nla_put_u16(msg, LBNL_A_DEST_PORT, port);
	nla_nest_end(msg, nest);
}

/*
 * A MIGRATE_GET entry of an IPv4 SCTP VIP with every attribute (source
 * port 0: the VIP's) and an unknown one; parts as for tcp_conn_msg().
 */
static struct nl_msg *migrate_get_msg(unsigned int parts)
{
	struct nl_msg *msg = msg_new(LBNL_CMD_MIGRATE_GET);
	struct nlattr *nest;

	if (!(parts & NO_VIP))
		put_vip(msg, "192.0.2.1", 3868, IPPROTO_SCTP);
	nest = nla_nest_start(msg, LBNL_A_MIGRATE);
	nla_put_u32(msg, LBNL_A_MIGRATE_ID, 4);
	nla_put_u32(msg, LBNL_A_MIGRATE_VTAG, 0x1234abcd);
	put_addr(msg, LBNL_A_MIGRATE_PEER_ADDR, "198.51.100.1");
	if (!(parts & NO_PEER_PORT))
		nla_put_u16(msg, LBNL_A_MIGRATE_PEER_PORT, 40000);
	if (parts & BAD_SOURCE) {
		struct nlattr *src = nla_nest_start(msg, LBNL_A_MIGRATE_SOURCE);

		nla_put_u16(msg, LBNL_A_DEST_PORT, 3868);	/* no address */
		nla_nest_end(msg, src);
	} else {
		put_dest_nest(msg, LBNL_A_MIGRATE_SOURCE, "203.0.113.11", 0);
	}
	put_dest_nest(msg, LBNL_A_MIGRATE_TARGET, "203.0.113.12", 3868);
	nla_put_u32(msg, LBNL_A_MIGRATE_TIMEOUT_MS, 5000);
	nla_put_u8(msg, LBNL_A_MIGRATE_STATE, LBNL_MIGRATE_BUFFERING);
	if (parts & SHORT_AGE)
		nla_put_u32(msg, LBNL_A_MIGRATE_AGE_MS, 1234);
	else
		put_u64_pad(msg, LBNL_A_MIGRATE_AGE_MS, LBNL_A_MIGRATE_PAD,
			    1234);
	nla_put_u32(msg, LBNL_A_MIGRATE_BUFFERED, 3);
	nla_put_u32(msg, LBNL_A_MIGRATE_BUFFERED_MAX, 7);
	nla_put_u32(msg, LBNL_A_MIGRATE_MAX + 3, 9);	/* a newer kernel's */
	nla_nest_end(msg, nest);
	return msg;
}

/* An event of an IPv6 VIP: no vtag, state, age or counts; maybe a reason. */
static struct nl_msg *migrate_event_msg(uint8_t cmd, const char *reason)
{
	struct nl_msg *msg = msg_new(cmd);
	struct nlattr *nest;

	put_vip(msg, "2001:db8:10::1", 3868, IPPROTO_SCTP);
	nest = nla_nest_start(msg, LBNL_A_MIGRATE);
	nla_put_u32(msg, LBNL_A_MIGRATE_ID, 5);
	put_addr(msg, LBNL_A_MIGRATE_PEER_ADDR, "2001:db8:1::1");
	nla_put_u16(msg, LBNL_A_MIGRATE_PEER_PORT, 40000);
	put_dest_nest(msg, LBNL_A_MIGRATE_SOURCE, "2001:db8:2::11", 3868);
	put_dest_nest(msg, LBNL_A_MIGRATE_TARGET, "2001:db8:2::12", 3869);
	if (reason)
		nla_put_string(msg, LBNL_A_MIGRATE_REASON, reason);
	nla_nest_end(msg, nest);
	return msg;
}

static struct lbnl_migrate migrate_sample;

/* As "migrate show" prints it: an array of one. */
static void print_migrate_sample(void)
{
	open_json_array(NULL);
	open_json_object(NULL);
	lbnl_migrate_print(&migrate_sample);
	print_nl();
	close_json_object();
	close_json_array();
}

/*
 * A request's migrate nest, built by lbnl_put_migrate(), into mt (all
 * NULL if it is not one nest alone). Free the message after using mt.
 */
static struct nl_msg *put_migrate_parsed(const struct lbnl_migrate *m,
					 bool key_only, struct nlattr **mt)
{
	struct nl_msg *msg = msg_new(LBNL_CMD_MIGRATE_START);
	struct nlattr *tb[LBNL_A_MAX + 1];

	if (lbnl_put_migrate(msg, m, key_only) ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, LBNL_A_MAX, NULL) ||
	    !tb[LBNL_A_MIGRATE] || tb[LBNL_A_VIP] ||
	    nla_parse_nested(mt, LBNL_A_MIGRATE_MAX, tb[LBNL_A_MIGRATE],
			     NULL))
		memset(mt, 0, (LBNL_A_MIGRATE_MAX + 1) * sizeof(*mt));
	return msg;
}

static void test_migrate_requests(void)
{
	struct nlattr *mt[LBNL_A_MIGRATE_MAX + 1], *dt[LBNL_A_DEST_MAX + 1];
	struct lbnl_migrate m = { .has = LBNL_MIGRATE_HAS_VTAG |
					 LBNL_MIGRATE_HAS_TARGET |
					 LBNL_MIGRATE_HAS_TIMEOUT,
				  .vtag = 0x1234abcd, .timeout_ms = 5000 };

	struct nl_msg *msg;

	lbnl_parse_addr("203.0.113.12", &m.target.addr);
	msg = put_migrate_parsed(&m, false, mt);
	CHECK(mt[LBNL_A_MIGRATE_VTAG] &&
	      nla_get_u32(mt[LBNL_A_MIGRATE_VTAG]) == 0x1234abcd &&
	      !mt[LBNL_A_MIGRATE_PEER_ADDR] && !mt[LBNL_A_MIGRATE_PEER_PORT] &&
	      mt[LBNL_A_MIGRATE_TIMEOUT_MS] &&
	      nla_get_u32(mt[LBNL_A_MIGRATE_TIMEOUT_MS]) == 5000 &&
	      mt[LBNL_A_MIGRATE_TARGET] && !mt[LBNL_A_MIGRATE_SOURCE] &&
	      !nla_parse_nested(dt, LBNL_A_DEST_MAX, mt[LBNL_A_MIGRATE_TARGET],
				NULL) &&
	      dt[LBNL_A_DEST_ADDR] && nla_len(dt[LBNL_A_DEST_ADDR]) == 4 &&
	      !memcmp(nla_data(dt[LBNL_A_DEST_ADDR]), m.target.addr.raw, 4) &&
	      dt[LBNL_A_DEST_PORT] && nla_get_u16(dt[LBNL_A_DEST_PORT]) == 0 &&
	      !dt[LBNL_A_DEST_WEIGHT] && !mt[LBNL_A_MIGRATE_ID],
	      "start by vtag, to a target (port 0: the VIP's), timeout");
	nlmsg_free(msg);
	msg = put_migrate_parsed(&m, true, mt);
	CHECK(mt[LBNL_A_MIGRATE_VTAG] && !mt[LBNL_A_MIGRATE_TARGET] &&
	      !mt[LBNL_A_MIGRATE_TIMEOUT_MS],
	      "commit/abort by vtag: the association only");
	nlmsg_free(msg);

	m.has = LBNL_MIGRATE_HAS_PEER;
	lbnl_parse_addr("2001:db8:1::1", &m.peer.addr);
	m.peer.port = 40000;
	msg = put_migrate_parsed(&m, false, mt);
	CHECK(!mt[LBNL_A_MIGRATE_VTAG] && mt[LBNL_A_MIGRATE_PEER_ADDR] &&
	      nla_len(mt[LBNL_A_MIGRATE_PEER_ADDR]) == 16 &&
	      !memcmp(nla_data(mt[LBNL_A_MIGRATE_PEER_ADDR]),
		      m.peer.addr.raw, 16) &&
	      mt[LBNL_A_MIGRATE_PEER_PORT] &&
	      nla_get_u16(mt[LBNL_A_MIGRATE_PEER_PORT]) == 40000 &&
	      !mt[LBNL_A_MIGRATE_TARGET] && !mt[LBNL_A_MIGRATE_TIMEOUT_MS],
	      "start by peer: the kernel's target and deadline");
	nlmsg_free(msg);
}

/*
 * A VIP with its dests in one request (lbu_put_vip_dests): the VIP nest
 * with its key and settings, LBNL_A_VIP_DESTS holding a dest nest each,
 * and the offsets the library maps an extack's NLMSGERR_ATTR_OFFS with.
 */
static void test_vip_dests(void)
{
	struct nlattr *tb[LBNL_A_MAX + 1], *vt[LBNL_A_VIP_MAX + 1];
	struct nlattr *dt[LBNL_A_DEST_MAX + 1], *d;
	struct lbu_vip vip = { .key = { .port = 80, .proto = IPPROTO_TCP },
			       .has = LBNL_VIP_HAS_SCHED,
			       .sched = LBNL_SCHED_WRR };
	struct lbu_dest dests[3] = {
		{ .port = 8080, .has = LBNL_DEST_HAS_WEIGHT, .weight = 3 },
		{ .port = 80 },
		{ .port = 9000, .has = LBNL_DEST_HAS_STATE,
		  .state = LBNL_DEST_DRAIN },
	};
	const char *addrs[3] = { "10.0.0.1", "10.0.0.2", "10.0.0.3" };
	uint32_t offs[5];
	struct nl_msg *msg = msg_new(LBNL_CMD_VIP_NEW);
	int i, rem, ok = 1;

	lbnl_parse_addr("192.0.2.1", &vip.key.addr);
	for (i = 0; i < 3; i++)
		lbnl_parse_addr(addrs[i], &dests[i].addr);
	CHECK(!lbu_put_vip_dests(msg, &vip, dests, 3, offs) &&
	      !genlmsg_parse(nlmsg_hdr(msg), 0, tb, LBNL_A_MAX, NULL) &&
	      tb[LBNL_A_VIP] && !tb[LBNL_A_DEST] &&
	      !nla_parse_nested(vt, LBNL_A_VIP_MAX, tb[LBNL_A_VIP], NULL) &&
	      vt[LBNL_A_VIP_ADDR] && vt[LBNL_A_VIP_PORT] &&
	      vt[LBNL_A_VIP_PROTO] && vt[LBNL_A_VIP_SCHED] &&
	      !vt[LBNL_A_VIP_MODE] && vt[LBNL_A_VIP_DESTS] &&
	      (vt[LBNL_A_VIP_DESTS]->nla_type & NLA_F_NESTED),
	      "VIP nest: key, the settings given, LBNL_A_VIP_DESTS");
	if (!vt[LBNL_A_VIP_DESTS]) {
		nlmsg_free(msg);
		return;
	}
	CHECK(offs[3] == (uint32_t)((char *)vt[LBNL_A_VIP_DESTS] -
				    (char *)nlmsg_hdr(msg)) &&
	      offs[4] == (uint32_t)((char *)nla_data(vt[LBNL_A_VIP_DESTS]) +
				    nla_len(vt[LBNL_A_VIP_DESTS]) -
				    (char *)nlmsg_hdr(msg)),
	      "offsets of LBNL_A_VIP_DESTS and of its end");
	i = 0;
	nla_for_each_nested(d, vt[LBNL_A_VIP_DESTS], rem) {
		if (i >= 3 || nla_type(d) != LBNL_A_DEST ||
		    !(d->nla_type & NLA_F_NESTED) ||
		    offs[i] != (uint32_t)((char *)d - (char *)nlmsg_hdr(msg)) ||
		    nla_parse_nested(dt, LBNL_A_DEST_MAX, d, NULL) ||
		    !dt[LBNL_A_DEST_ADDR] ||
		    memcmp(nla_data(dt[LBNL_A_DEST_ADDR]), dests[i].addr.raw,
			   4) ||
		    nla_get_u16(dt[LBNL_A_DEST_PORT]) != dests[i].port ||
		    !dt[LBNL_A_DEST_WEIGHT] != !(i == 0) ||
		    !dt[LBNL_A_DEST_STATE] != !(i == 2))
			ok = 0;
		i++;
	}
	CHECK(ok && i == 3,
	      "3 dest nests in order, at their offsets, with what they have");
	nlmsg_free(msg);
}

static void test_grow_array(void)
{
	size_t cap = 0;
	int *a = lbnl_grow_array(NULL, &cap, 0, sizeof(int));

	CHECK(a && cap > 0, "an empty array is allocated (NULL: no memory)");
	CHECK(lbnl_grow_array(a, &cap, cap, sizeof(int)) == a,
	      "room enough: the same array");
	free(a);
}

static void test_migrate(void)
{
	struct lbnl_migrate *m = &migrate_sample;
	struct nl_msg *msg = migrate_get_msg(0);
	struct lbnl_event ev;
	unsigned int parts;
	int err;

	err = lbnl_parse_msg(nlmsg_hdr(msg), &ev);
	nlmsg_free(msg);
	CHECK(!err && ev.cmd == LBNL_CMD_MIGRATE_GET && ev.has_vip &&
	      ev.has_migrate && !ev.has_dest && !ev.has_assoc,
	      "MIGRATE_GET entry refused: %d", err);
	*m = ev.migrate;
	CHECK(m->has == (LBNL_MIGRATE_HAS_ID | LBNL_MIGRATE_HAS_VTAG |
			 LBNL_MIGRATE_HAS_PEER | LBNL_MIGRATE_HAS_SOURCE |
			 LBNL_MIGRATE_HAS_TARGET | LBNL_MIGRATE_HAS_TIMEOUT |
			 LBNL_MIGRATE_HAS_STATE | LBNL_MIGRATE_HAS_AGE |
			 LBNL_MIGRATE_HAS_BUFFERED |
			 LBNL_MIGRATE_HAS_BUFFERED_MAX),
	      "every attribute but the reason marked present: 0x%x", m->has);
	CHECK(lbnl_vip_key_equal(&m->vip, &ev.vip.key) &&
	      m->vip.proto == IPPROTO_SCTP && m->id == 4 &&
	      m->vtag == 0x1234abcd && m->peer.port == 40000 &&
	      m->source.port == 3868 && m->target.port == 3868 &&
	      m->timeout_ms == 5000 && m->age_ms == 1234 &&
	      m->buffered == 3 && m->buffered_max == 7,
	      "migration values (source port 0 is the VIP's)");
	check_output(false, false, print_migrate_sample,
		     "sctp 192.0.2.1:3868 peer 198.51.100.1:40000 "
		     "vtag 0x1234abcd from 203.0.113.11:3868 "
		     "to 203.0.113.12:3868 state buffering age 1.2s "
		     "timeout 5000ms buffered 3 max 7 id 4\n");
	check_output(true, false, print_migrate_sample,
		     "[{\"vip\":\"192.0.2.1:3868\",\"proto\":\"sctp\","
		     "\"peer\":\"198.51.100.1:40000\",\"vtag\":305441741,"
		     "\"source\":\"203.0.113.11:3868\","
		     "\"target\":\"203.0.113.12:3868\","
		     "\"state\":\"buffering\",\"age_ms\":1234,"
		     "\"timeout_ms\":5000,\"buffered\":3,"
		     "\"buffered_max\":7,\"id\":4}]\n");
	/* A state without a name (a newer module's), a tiny vtag. */
	m->state = 7;
	m->vtag = 1;
	m->age_ms = 60999;
	check_output(false, false, print_migrate_sample,
		     "sctp 192.0.2.1:3868 peer 198.51.100.1:40000 "
		     "vtag 0x00000001 from 203.0.113.11:3868 "
		     "to 203.0.113.12:3868 state 7 age 60.9s "
		     "timeout 5000ms buffered 3 max 7 id 4\n");

	/* Events: what "monitor" prints after "migrate abort ". */
	msg = migrate_event_msg(LBNL_CMD_MIGRATE_ABORT, "deadline");
	err = lbnl_parse_msg(nlmsg_hdr(msg), &ev);
	nlmsg_free(msg);
	CHECK(!err && ev.cmd == LBNL_CMD_MIGRATE_ABORT && ev.has_migrate &&
	      !strcmp(ev.migrate.reason, "deadline"),
	      "MIGRATE_ABORT event refused: %d", err);
	*m = ev.migrate;
	check_output(false, false, print_migrate_sample,
		     "sctp [2001:db8:10::1]:3868 peer [2001:db8:1::1]:40000 "
		     "from [2001:db8:2::11]:3868 to [2001:db8:2::12]:3869 "
		     "id 5 reason deadline\n");
	check_output(true, false, print_migrate_sample,
		     "[{\"vip\":\"[2001:db8:10::1]:3868\",\"proto\":\"sctp\","
		     "\"peer\":\"[2001:db8:1::1]:40000\","
		     "\"source\":\"[2001:db8:2::11]:3868\","
		     "\"target\":\"[2001:db8:2::12]:3869\",\"id\":5,"
		     "\"reason\":\"deadline\"}]\n");
	msg = migrate_event_msg(LBNL_CMD_MIGRATE_START, NULL);
	err = lbnl_parse_msg(nlmsg_hdr(msg), &ev);
	nlmsg_free(msg);
	CHECK(!err && !(ev.migrate.has & (LBNL_MIGRATE_HAS_VTAG |
					  LBNL_MIGRATE_HAS_REASON)),
	      "MIGRATE_START event: no vtag, no reason");

	for (parts = NO_VIP; parts <= BAD_SOURCE; parts <<= 1) {
		msg = migrate_get_msg(parts);
		CHECK(lbnl_parse_msg(nlmsg_hdr(msg), &ev) == -EPROTO,
		      "malformed migration (parts 0x%x) accepted", parts);
		nlmsg_free(msg);
	}

	CHECK(!strcmp(lbnl_strerror(LBNL_OP_MIGRATE_START, -EBUSY),
		      "a migration of this association is already open"),
	      "EBUSY of migrate start");
	CHECK(!strcmp(lbnl_strerror(LBNL_OP_MIGRATE_START, EINVAL),
		      "the association is not established"),
	      "EINVAL of migrate start");
	CHECK(!strcmp(lbnl_strerror(LBNL_OP_MIGRATE_COMMIT, EINVAL),
		      "invalid argument (refused by the kernel module)"),
	      "EINVAL of migrate commit");
	CHECK(!strcmp(lbnl_strerror(LBNL_OP_MIGRATE_ABORT, -ENOENT),
		      "VIP, association or migration not found"),
	      "ENOENT of migrate abort");
	CHECK(!strcmp(lbnl_strerror(LBNL_OP_MIGRATE_GET, -EAGAIN),
		      "the migrations kept changing during the dump, try again"),
	      "EAGAIN of migrate show");
	test_migrate_requests();
}

static void test_key_order(void)
{
	struct lbu_vip_key a = { .port = 80, .proto = IPPROTO_TCP };
	struct lbu_vip_key b = a;

	lbnl_parse_addr("192.0.2.1", &a.addr);
	lbnl_parse_addr("192.0.2.1", &b.addr);
	CHECK(!lbnl_vip_key_compare(&a, &b), "same key");
	b.proto = IPPROTO_UDP;
	CHECK(lbnl_vip_key_compare(&a, &b) < 0, "tcp before udp");
	b.port = 53;
	CHECK(lbnl_vip_key_compare(&a, &b) > 0, "port 53 before 80");
	lbnl_parse_addr("192.0.2.10", &b.addr);
	CHECK(lbnl_vip_key_compare(&a, &b) < 0, "address first");
	lbnl_parse_addr("10.0.0.1", &b.addr);
	CHECK(lbnl_addr_compare(&a.addr, &b.addr) > 0, "numeric order");
	lbnl_parse_addr("::1", &b.addr);
	CHECK(lbnl_addr_compare(&a.addr, &b.addr) < 0 &&
	      lbnl_addr_compare(&b.addr, &a.addr) > 0, "IPv4 before IPv6");
}

/* Tag keys: the text "lbnl tag genkey" prints and "tag set" reads. */
static void test_tag_key(void)
{
	static const uint8_t want[LBNL_TAG_KEY_LEN] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	};
	static const char *const good[] = {
		"000102030405060708090a0b0c0d0e0f",
		"000102030405060708090A0B0C0D0E0F\n",
		"000102030405060708090a0b0c0d0e0f \t\r\n\n",
	};
	static const char *const bad[] = {
		"", "\n", "000102030405060708090a0b0c0d0e0",
		"000102030405060708090a0b0c0d0e0f0",
		"000102030405060708090a0b0c0d0e0fx",
		"0x0102030405060708090a0b0c0d0e0f",
		" 000102030405060708090a0b0c0d0e0f",
		"00010203 405060708090a0b0c0d0e0f",
		"000102030405060708090a0b0c0d0e0g",
		"000102030405060708090a0b0c0d0e0f\n#",
	};
	char text[LBU_TAG_KEY_HEX_LEN + 1];
	uint8_t key[LBNL_TAG_KEY_LEN], untouched[LBNL_TAG_KEY_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		memset(key, 0xaa, sizeof(key));
		CHECK(!lbu_tag_key_parse(good[i], strlen(good[i]), key) &&
		      !memcmp(key, want, sizeof(key)), "key '%s'", good[i]);
	}
	memset(untouched, 0xaa, sizeof(untouched));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(key, 0xaa, sizeof(key));
		CHECK(lbu_tag_key_parse(bad[i], strlen(bad[i]), key) == -EINVAL &&
		      !memcmp(key, untouched, sizeof(key)),
		      "not a key: '%s'", bad[i]);
	}
	/* len ends the text; so does a NUL. */
	CHECK(!lbu_tag_key_parse("000102030405060708090a0b0c0d0e0fzz", 32, key),
	      "text cut by len");
	CHECK(lbu_tag_key_parse("000102030405060708090a0b0c0d0e0f", 31, key),
	      "text cut short by len");
	CHECK(!lbu_tag_key_parse("000102030405060708090a0b0c0d0e0f\0zz", 35, key),
	      "text ended by a NUL");
	lbu_tag_key_format(want, text);
	CHECK(!strcmp(text, "000102030405060708090a0b0c0d0e0f"), "format: %s",
	      text);
}

int main(void)
{
	test_addr_port();
	test_addr_misc();
	test_numbers();
	test_names();
	test_json_print();
	test_json_parse_values();
	test_json_parse_errors();
	test_state_round_trip();
	test_state_tampering();
	test_state_translate();
	test_conn();
	test_stats();
	test_bypass();
	test_migrate();
	test_vip_dests();
	test_grow_array();
	test_key_order();
	test_tag_key();
	printf("test_lib: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
