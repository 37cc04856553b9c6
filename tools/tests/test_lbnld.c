// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lbnld without its event loop: the configuration file, the
 * per-address decisions and the diff (no I/O); the hook driver (a shell
 * script that records its arguments); then, in a network namespace of
 * their own when the test may make one, the route writer against the
 * kernel and whole reconciliations with the table driver. The module's
 * BYPASS_ACTIVE is replaced by a recorder that also checks that the
 * VIP's route is in place when it is called. The migration coordinator
 * runs against a fake module (struct lbnld_mig_ops) and fake agents on
 * loopback (the real control protocol, ctl.h). The records of migrated
 * associations: the file (atomic writes, read back, corrupt or unreadable
 * files), the decisions against views of the module's table, the pass
 * with a fake CONN_NEW.
 * Prints one line per failure; exit status 0 if all passed.
 */
#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/lbnl.h>

#include "../lbnld/lbnld.h"
#include "check.h"
#include "ctl.h"
#include "transport.h"
#include "util.h"

/* Configuration ----------------------------------------------------------- */

static int conf_text(const char *text, struct lbnld_conf *c, char *err,
		     size_t len)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int ret;

	lbnld_conf_defaults(c);
	err[0] = '\0';
	if (!fp)
		return -2;
	ret = lbnld_conf_read(fp, "t.conf", c, err, len);
	fclose(fp);
	return ret;
}

static void conf_bad(const char *text, const char *expect)
{
	struct lbnld_conf c;
	char err[512];

	CHECK(conf_text(text, &c, err, sizeof(err)) == -1 &&
	      !strcmp(err, expect), "config '%s': got '%s', expected '%s'",
	      text, err, expect);
	CHECK(c.table == LBNLD_DEFAULT_TABLE && !c.hook[0],
	      "config '%s': a refused file changes nothing", text);
}

static bool endpoint_is(const struct lbnl_endpoint *e, const char *text)
{
	char buf[LBNL_ADDRPORTSTRLEN];

	return !strcmp(lbnld_endpoint_text(e, buf, sizeof(buf)), text);
}

/* The local endpoint of a control message's association is text. */
static bool assoc_local_is(const struct lbnl_ctl_msg *m, const char *text)
{
	struct lbnl_endpoint e = { .addr = m->assoc.laddr,
				   .port = m->assoc.lport };

	return endpoint_is(&e, text);
}

static bool agent_is(const struct lbnld_conf *c, const char *dest,
		     const char *text)
{
	struct lbnl_endpoint e;
	struct lbnl_addr a;

	return !lbnl_parse_addr(dest, &a) &&
	       (lbnld_agent_of(c, &a, &e), endpoint_is(&e, text));
}

/* key-file, agent-port, agent, listen, migrate-timeout-margin-ms. */
static void test_conf_migration(void)
{
	struct lbnld_conf c;
	char err[512];

	CHECK(!conf_text("\n", &c, err, sizeof(err)) && !c.key_file[0] &&
	      c.agent_port == 7342 && !c.n_agents && c.margin_ms == 100 &&
	      endpoint_is(&c.listen, "[::]:7341") &&
	      agent_is(&c, "203.0.113.11", "203.0.113.11:7342") &&
	      agent_is(&c, "2001:db8::11", "[2001:db8::11]:7342"),
	      "migration defaults: %s", err);
	CHECK(!conf_text("key-file /etc/lbnl/key\nagent-port 9000\n"
			 "agent 203.0.113.11 10.0.0.11\n"
			 "agent 203.0.113.12 10.0.0.12:9100 # own port\n"
			 "agent 2001:db8::13 [2001:db8:1::13]:9200\n"
			 "listen 10.0.0.1\nmigrate-timeout-margin-ms 0\n",
			 &c, err, sizeof(err)) &&
	      !strcmp(c.key_file, "/etc/lbnl/key") && c.agent_port == 9000 &&
	      c.n_agents == 3 && c.margin_ms == 0 &&
	      endpoint_is(&c.listen, "10.0.0.1:7341") &&
	      agent_is(&c, "203.0.113.11", "10.0.0.11:9000") &&
	      agent_is(&c, "203.0.113.12", "10.0.0.12:9100") &&
	      agent_is(&c, "2001:db8::13", "[2001:db8:1::13]:9200") &&
	      agent_is(&c, "203.0.113.14", "203.0.113.14:9000"),
	      "a migration config: %s", err);
	CHECK(!conf_text("listen [2001:db8::1]:8000\n", &c, err,
			 sizeof(err)) &&
	      endpoint_is(&c.listen, "[2001:db8::1]:8000"),
	      "listen on IPv6 with a port: %s", err);

	conf_bad("key-file key\n", "t.conf:1: invalid key-file 'key': an absolute path is needed");
	conf_bad("key-file /k\nkey-file /k\n", "t.conf:2: 'key-file' given twice (first on line 1)");
	conf_bad("agent-port 0\n", "t.conf:1: invalid agent-port '0': a number from 1 to 65535");
	conf_bad("agent-port 65536\n", "t.conf:1: invalid agent-port '65536': a number from 1 to 65535");
	conf_bad("agent 203.0.113.11\n", "t.conf:1: 'agent' needs a dest address and the agent's address");
	conf_bad("agent 203.0.113.11 10.0.0.1 x\n", "t.conf:1: unexpected 'x' after 'agent 203.0.113.11 10.0.0.1'");
	conf_bad("agent srv1 10.0.0.1\n", "t.conf:1: invalid agent dest 'srv1': not an IPv4 or IPv6 address");
	conf_bad("agent 203.0.113.11 10.0.0.1:0\n", "t.conf:1: invalid agent address '10.0.0.1:0': port not a number from 1 to 65535");
	conf_bad("agent 203.0.113.11 host:1\n", "t.conf:1: invalid agent address 'host:1': not an IPv4 or IPv6 address");
	conf_bad("agent 203.0.113.11 10.0.0.1\nagent 203.0.113.11 10.0.0.2\n", "t.conf:2: a second agent for dest 203.0.113.11");
	conf_bad("listen any\n", "t.conf:1: invalid listen 'any': not an IPv4 or IPv6 address");
	conf_bad("listen 10.0.0.1:99999\n", "t.conf:1: invalid listen '10.0.0.1:99999': port not a number from 1 to 65535");
	conf_bad("migrate-timeout-margin-ms 10001\n", "t.conf:1: invalid migrate-timeout-margin-ms '10001': a number of milliseconds from 0 to 10000");
}

/* metrics-listen: this host's port 9642 by default. */
static void test_conf_metrics(void)
{
	struct lbnld_conf c;
	char err[512];

	CHECK(!conf_text("\n", &c, err, sizeof(err)) && !c.metrics_off &&
	      endpoint_is(&c.metrics_listen, "127.0.0.1:9642"),
	      "metrics default: %s", err);
	CHECK(!conf_text("metrics-listen none\n", &c, err, sizeof(err)) &&
	      c.metrics_off, "metrics-listen none: %s", err);
	CHECK(!conf_text("metrics-listen 10.0.0.1\n", &c, err, sizeof(err)) &&
	      !c.metrics_off &&
	      endpoint_is(&c.metrics_listen, "10.0.0.1:9642"),
	      "metrics-listen without a port: %s", err);
	CHECK(!conf_text("metrics-listen [::]:9100\n", &c, err, sizeof(err)) &&
	      endpoint_is(&c.metrics_listen, "[::]:9100"),
	      "metrics-listen on IPv6: %s", err);
	conf_bad("metrics-listen localhost\n", "t.conf:1: invalid metrics-listen 'localhost': not an IPv4 or IPv6 address");
	conf_bad("metrics-listen 127.0.0.1:0\n", "t.conf:1: invalid metrics-listen '127.0.0.1:0': port not a number from 1 to 65535");
	conf_bad("metrics-listen none\nmetrics-listen none\n", "t.conf:2: 'metrics-listen' given twice (first on line 1)");
}

static void test_conf(void)
{
	struct lbnld_conf c;
	char err[512];

	CHECK(!conf_text("\n", &c, err, sizeof(err)) &&
	      c.table == 100 && c.protocol == 76 &&
	      c.driver == LBNLD_DRIVER_TABLE && !strcmp(c.self_dev, "lo") &&
	      c.log == LBNLD_LOG_AUTO && c.hook_timeout == 10 && !c.hook[0] &&
	      !strcmp(c.state_dir, "/var/lib/lbnl"),
	      "defaults: %s", err);
	CHECK(!conf_text("state-dir /run/lbnl\n", &c, err, sizeof(err)) &&
	      !strcmp(c.state_dir, "/run/lbnl"), "state-dir: %s", err);
	CHECK(!conf_text("# lbnld\n\n  table 4000   # ours\n\tprotocol 99\n"
			 "self-dev dummy0\nlog syslog\n", &c, err, sizeof(err)) &&
	      c.table == 4000 && c.protocol == 99 &&
	      !strcmp(c.self_dev, "dummy0") && c.log == LBNLD_LOG_SYSLOG,
	      "a full table config: %s", err);
	CHECK(!conf_text("driver hook\nhook /bin/true\nhook-timeout 3600\n"
			 "log stderr\n", &c, err, sizeof(err)) &&
	      c.driver == LBNLD_DRIVER_HOOK && !strcmp(c.hook, "/bin/true") &&
	      c.hook_timeout == 3600 && c.log == LBNLD_LOG_STDERR,
	      "a hook config: %s", err);
	CHECK(conf_text("table 1\nprotocol 255\ntable\t\r\n", &c, err,
			sizeof(err)) == -1 &&
	      !strcmp(err, "t.conf:3: missing value for 'table'"),
	      "CRLF and tabs: %s", err);

	conf_bad("tabel 5\n", "t.conf:1: unknown keyword 'tabel'");
	conf_bad("state-dir lbnl\n", "t.conf:1: invalid state-dir 'lbnl': an absolute path is needed");
	conf_bad("Table 5\n", "t.conf:1: unknown keyword 'Table'");
	conf_bad("# x\ntable\n", "t.conf:2: missing value for 'table'");
	conf_bad("table 1 2\n", "t.conf:1: unexpected '2' after 'table 1'");
	conf_bad("table 100\nlog syslog\ntable 101\n",
		 "t.conf:3: 'table' given twice (first on line 1)");
	conf_bad("table 254\n", "t.conf:1: invalid table '254': a number from 1 to 4294967295 other than 253 (default), 254 (main) and 255 (local)");
	conf_bad("table 0\n", "t.conf:1: invalid table '0': a number from 1 to 4294967295 other than 253 (default), 254 (main) and 255 (local)");
	conf_bad("table 4294967296\n", "t.conf:1: invalid table '4294967296': a number from 1 to 4294967295 other than 253 (default), 254 (main) and 255 (local)");
	conf_bad("table 0x10\n", "t.conf:1: invalid table '0x10': a number from 1 to 4294967295 other than 253 (default), 254 (main) and 255 (local)");
	conf_bad("protocol 12\n", "t.conf:1: invalid protocol '12': a number from 5 to 255 other than 12 (bird)");
	conf_bad("protocol 4\n", "t.conf:1: invalid protocol '4': a number from 5 to 255 other than 12 (bird)");
	conf_bad("protocol 256\n", "t.conf:1: invalid protocol '256': a number from 5 to 255 other than 12 (bird)");
	conf_bad("driver bird\n", "t.conf:1: invalid driver 'bird', expected table or hook");
	conf_bad("log file\n", "t.conf:1: invalid log 'file', expected stderr or syslog");
	conf_bad("driver hook\n", "t.conf: 'driver hook' needs a 'hook' command");
	conf_bad("hook /bin/true\n", "t.conf: 'hook' given but the driver is 'table' (add 'driver hook')");
	conf_bad("driver hook\nhook bin/true\n", "t.conf:2: invalid hook 'bin/true': an absolute path is needed");
	conf_bad("driver hook\nhook /nonexistent/hook\n", "t.conf: hook '/nonexistent/hook' is not an executable file");
	conf_bad("driver hook\nhook /etc\n", "t.conf: hook '/etc' is not an executable file");
	conf_bad("hook-timeout 0\n", "t.conf:1: invalid hook-timeout '0': a number of seconds from 1 to 3600");
	conf_bad("hook-timeout 3601\n", "t.conf:1: invalid hook-timeout '3601': a number of seconds from 1 to 3600");
	conf_bad("self-dev a/b\n", "t.conf:1: invalid self-dev 'a/b': not a device name");
	conf_bad("self-dev 0123456789abcdef\n", "t.conf:1: invalid self-dev '0123456789abcdef': not a device name");
	conf_bad("self-dev ..\n", "t.conf:1: invalid self-dev '..': not a device name");

	test_conf_migration();
	test_conf_metrics();

	lbnld_conf_defaults(&c);
	CHECK(!lbnld_conf_load("/nonexistent/lbnld.conf", false, &c, err,
			       sizeof(err)) && c.table == 100,
	      "a missing default file: the defaults");
	CHECK(lbnld_conf_load("/nonexistent/lbnld.conf", true, &c, err,
			      sizeof(err)) &&
	      !strcmp(err, "/nonexistent/lbnld.conf: No such file or directory"),
	      "a missing -c file: %s", err);
}

/* Decisions --------------------------------------------------------------- */

#define D1 "203.0.113.11"
#define D2 "203.0.113.12"

/* A VIP as the module reports it; dest NULL: no bypass dest. */
static struct lbu_vip vip(const char *addr, uint16_t port, uint8_t proto,
			  uint8_t bypass, uint32_t flags, uint8_t router,
			  const char *dest, uint32_t active)
{
	struct lbu_vip v = {
		.key = { .port = port, .proto = proto },
		.has = LBNL_VIP_HAS_MODE | LBNL_VIP_HAS_BYPASS |
		       LBNL_VIP_HAS_FLAGS | LBNL_VIP_HAS_ACTIVE_DESTS |
		       LBNL_VIP_HAS_ROUTER | LBNL_VIP_HAS_CHANGED,
		.mode = LBNL_FWD_TUN, .bypass = bypass, .flags = flags,
		.router = router, .active_dests = active,
		.changed_ms = 1700000000000ULL,
	};

	lbnl_parse_addr(addr, &v.key.addr);
	if (dest) {
		lbnl_parse_addr(dest, &v.bypass_addr);
		v.bypass_port = port;
		v.has |= LBNL_VIP_HAS_BYPASS_DEST;
	}
	return v;
}

static struct lbu_vip single(const char *addr, uint16_t port, uint8_t proto,
			     uint8_t router, const char *dest)
{
	return vip(addr, port, proto, LBNL_BYPASS_AUTO, LBNL_VIP_F_SINGLE,
		   router, dest, 1);
}

static struct lbu_vip off(const char *addr, uint16_t port, uint8_t proto,
			  uint32_t active)
{
	return vip(addr, port, proto, LBNL_BYPASS_OFF, 0, LBNL_ROUTER_LB,
		   NULL, active);
}

static struct lbu_vip multi(const char *addr, uint16_t port, uint8_t proto,
			    const char *former, uint32_t active)
{
	return vip(addr, port, proto, LBNL_BYPASS_AUTO, LBNL_VIP_F_MULTI,
		   LBNL_ROUTER_WITHDRAWN, former, active);
}

/* The one decision of vips; its reason as text in why. */
static struct lbnld_decision decide1(const struct lbu_vip *vips, size_t n,
				     char *why, size_t len)
{
	struct lbnld_decision d = { .kind = LBNLD_VIA };
	struct lbnld_plan plan;

	why[0] = '\0';
	if (lbnld_plan_build(&plan, vips, n) || plan.n_decisions != 1) {
		CHECK(0, "%zu VIPs: not one decision", n);
		return d;
	}
	d = plan.decisions[0];
	lbnld_reason_text(&plan, &d, why, len);
	lbnld_plan_free(&plan);
	return d;
}

static bool addr_is(const struct lbnl_addr *a, const char *text)
{
	struct lbnl_addr b;

	return !lbnl_parse_addr(text, &b) && lbnl_addr_equal(a, &b);
}

static void test_decisions(void)
{
	struct lbu_vip v[3];
	struct lbnld_decision d;
	struct lbnld_plan plan;
	char why[256];

	v[0] = off("192.0.2.1", 80, IPPROTO_TCP, 2);
	d = decide1(v, 1, why, sizeof(why));
	CHECK(d.kind == LBNLD_SELF && d.reason == LBNLD_BYPASS_OFF &&
	      !strcmp(why, "tcp 192.0.2.1:80 has bypass off"),
	      "bypass off: %s", why);

	v[0] = single("192.0.2.1", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING, D1);
	d = decide1(v, 1, why, sizeof(why));
	CHECK(d.kind == LBNLD_VIA && addr_is(&d.dest, D1) &&
	      lbnld_wants_confirm(&d, &v[0]), "single, pending: bypassed");
	v[0].router = LBNL_ROUTER_ACTIVE;
	d = decide1(v, 1, why, sizeof(why));
	CHECK(d.kind == LBNLD_VIA && !lbnld_wants_confirm(&d, &v[0]),
	      "single, active: bypassed, confirmed already");

	v[0] = multi("192.0.2.1", 80, IPPROTO_TCP, D1, 2);
	d = decide1(v, 1, why, sizeof(why));
	CHECK(d.kind == LBNLD_SELF && d.reason == LBNLD_NOT_SINGLE &&
	      !strcmp(why, "tcp 192.0.2.1:80 has 2 active dests") &&
	      !lbnld_wants_confirm(&d, &v[0]), "multi, withdrawn: %s", why);
	v[0] = vip("192.0.2.1", 80, IPPROTO_TCP, LBNL_BYPASS_AUTO, 0,
		   LBNL_ROUTER_WITHDRAWN, D1, 0);
	d = decide1(v, 1, why, sizeof(why));
	CHECK(d.kind == LBNLD_SELF &&
	      !strcmp(why, "tcp 192.0.2.1:80 has 0 active dests"),
	      "no active dest left: %s", why);
	/* A module without the bypass attributes: never bypassed. */
	v[0] = single("192.0.2.1", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING, D1);
	v[0].has &= ~(LBNL_VIP_HAS_ROUTER | LBNL_VIP_HAS_BYPASS_DEST |
		      LBNL_VIP_HAS_ACTIVE_DESTS);
	d = decide1(v, 1, why, sizeof(why));
	CHECK(d.kind == LBNLD_SELF &&
	      !strcmp(why, "tcp 192.0.2.1:80 is not bypassed by the module"),
	      "an older module: %s", why);

	/* One address, several VIPs: all single to one dest address. */
	v[0] = single("192.0.2.1", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING, D1);
	v[1] = single("192.0.2.1", 53, IPPROTO_UDP, LBNL_ROUTER_ACTIVE, D1);
	v[1].bypass_port = 5353;	/* tun: the dest port does not count */
	d = decide1(v, 2, why, sizeof(why));
	CHECK(d.kind == LBNLD_VIA && addr_is(&d.dest, D1) && d.count == 2,
	      "two VIPs single to one dest: bypassed");
	v[1] = single("192.0.2.1", 53, IPPROTO_UDP, LBNL_ROUTER_PENDING, D2);
	d = decide1(v, 2, why, sizeof(why));
	CHECK(d.kind == LBNLD_SELF && d.reason == LBNLD_DESTS_DIFFER &&
	      !strcmp(why, "udp 192.0.2.1:53 and tcp 192.0.2.1:80 are bypassed to different dests") &&
	      !lbnld_wants_confirm(&d, &v[0]), "different dests: %s", why);
	v[1] = off("192.0.2.1", 53, IPPROTO_UDP, 1);
	d = decide1(v, 2, why, sizeof(why));
	CHECK(d.kind == LBNLD_SELF &&
	      !strcmp(why, "udp 192.0.2.1:53 has bypass off"),
	      "a bypass off VIP on the address: %s", why);
	v[1] = multi("192.0.2.1", 3868, IPPROTO_SCTP, NULL, 3);
	d = decide1(v, 2, why, sizeof(why));
	CHECK(d.kind == LBNLD_SELF &&
	      !strcmp(why, "sctp 192.0.2.1:3868 has 3 active dests"),
	      "a multi VIP on the address: %s", why);

	/* Addresses sorted (IPv4 first), one decision each. */
	v[0] = off("2001:db8::1", 80, IPPROTO_TCP, 1);
	v[1] = single("192.0.2.9", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING, D1);
	v[2] = off("192.0.2.10", 80, IPPROTO_TCP, 1);
	CHECK(!lbnld_plan_build(&plan, v, 3) && plan.n_decisions == 3 &&
	      addr_is(&plan.decisions[0].addr, "192.0.2.9") &&
	      addr_is(&plan.decisions[1].addr, "192.0.2.10") &&
	      addr_is(&plan.decisions[2].addr, "2001:db8::1") &&
	      plan.decisions[0].kind == LBNLD_VIA &&
	      plan.decisions[2].first == 2 && plan.decisions[2].count == 1,
	      "three addresses, in order");
	lbnld_plan_free(&plan);
	CHECK(!lbnld_plan_build(&plan, NULL, 0) && !plan.n_decisions,
	      "no VIP: no decision");
	lbnld_plan_free(&plan);
}

static struct lbnld_route self_route(const char *addr, int oif,
				     uint32_t priority)
{
	struct lbnld_route r = { .kind = LBNLD_SELF, .oif = oif,
				 .priority = priority };

	lbnl_parse_addr(addr, &r.addr);
	return r;
}

static struct lbnld_route via_route(const char *addr, const char *via,
				    uint32_t priority)
{
	struct lbnld_route r = { .kind = LBNLD_VIA, .priority = priority };

	lbnl_parse_addr(addr, &r.addr);
	lbnl_parse_addr(via, &r.via);
	return r;
}

static void test_diff(void)
{
	struct lbu_vip v[4] = {
		off("192.0.2.1", 80, IPPROTO_TCP, 2),
		single("192.0.2.2", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING, D1),
		single("192.0.2.3", 80, IPPROTO_TCP, LBNL_ROUTER_ACTIVE, D2),
		single("2001:db8::1", 80, IPPROTO_TCP, LBNL_ROUTER_ACTIVE,
		       "2001:db8:2::11"),
	};
	struct lbnld_route cur[] = {
		via_route("192.0.2.0", D1, 0),		/* no VIP: delete */
		self_route("192.0.2.1", 1, 0),		/* as wanted */
		self_route("192.0.2.1", 1, 5),		/* extra: delete */
		self_route("192.0.2.2", 1, 7),		/* other metric */
		via_route("2001:db8::1", "2001:db8:2::11", 1024),
		via_route("198.51.100.1", D1, 0),	/* no VIP: delete */
	};
	struct lbnld_route_list current = { 0 }, deletes;
	struct lbnld_change *ch;
	struct lbnld_plan plan;
	size_t i;

	for (i = ARRAY_SIZE(cur); i-- > 0; )	/* unsorted */
		lbnld_route_list_add(&current, &cur[i]);
	CHECK(!lbnld_plan_build(&plan, v, 4) &&
	      !lbnld_diff(&plan, 1, &current, &ch, &deletes),
	      "diff failed");
	CHECK(!ch[0].write && ch[0].had, "192.0.2.1: in place");
	CHECK(ch[1].write && ch[1].had && ch[1].prev.kind == LBNLD_SELF &&
	      ch[1].want.kind == LBNLD_VIA && addr_is(&ch[1].want.via, D1) &&
	      ch[1].want.priority == 0, "192.0.2.2: self -> via " D1);
	CHECK(ch[2].write && !ch[2].had && ch[2].want.kind == LBNLD_VIA,
	      "192.0.2.3: new");
	CHECK(!ch[3].write && ch[3].had, "2001:db8::1: in place, metric 1024");
	CHECK(deletes.count == 4 &&
	      addr_is(&deletes.routes[0].addr, "192.0.2.0") &&
	      addr_is(&deletes.routes[1].addr, "192.0.2.1") &&
	      deletes.routes[1].priority == 5 &&
	      addr_is(&deletes.routes[2].addr, "192.0.2.2") &&
	      deletes.routes[2].priority == 7 &&
	      addr_is(&deletes.routes[3].addr, "198.51.100.1"),
	      "deletes: no VIP, extra, replaced of another metric, no VIP (%zu)",
	      deletes.count);
	free(ch);
	lbnld_route_list_free(&deletes);

	/* The self device changed: every self route is written again. */
	CHECK(!lbnld_diff(&plan, 7, &current, &ch, &deletes) &&
	      ch[0].write && !ch[2].had, "self-dev changed");
	free(ch);
	lbnld_route_list_free(&deletes);
	lbnld_route_list_free(&current);
	lbnld_plan_free(&plan);
}

/* Reconciliations: recorders ---------------------------------------------- */

static struct {
	struct lbnld *ld;		/* to look at the route when called */
	char calls[2048];		/* "tcp 192.0.2.1:80>203.0.113.11:80;" */
	int result;			/* what the "module" answers */
	bool route_in_place;		/* every call found its route */
} confirms;

static bool route_is_via(struct lbnld *ld, const struct lbnl_addr *addr,
			 const struct lbnl_addr *via)
{
	struct lbnld_route_list l = { 0 };
	bool found = false;
	size_t i;

	if (ld->driver == &lbnld_hook_driver)
		return true;	/* the hook has returned: nothing to look at */
	if (lbnld_route_load(ld->rtnl, ld->conf.table, ld->conf.protocol, &l))
		return false;
	for (i = 0; i < l.count; i++)
		if (lbnl_addr_equal(&l.routes[i].addr, addr) &&
		    l.routes[i].kind == LBNLD_VIA &&
		    lbnl_addr_equal(&l.routes[i].via, via))
			found = true;
	lbnld_route_list_free(&l);
	return found;
}

static int record_confirm(struct lbnld *ld, const struct lbu_dest *dest,
			  const char **why)
{
	char key[LBNL_ADDRPORTSTRLEN + 16], d[LBNL_ADDRPORTSTRLEN];
	size_t n = strlen(confirms.calls);

	snprintf(confirms.calls + n, sizeof(confirms.calls) - n, "%s>%s;",
		 lbnld_vip_text(&dest->vip, key, sizeof(key)),
		 lbnl_format_addr_port(&dest->addr, dest->port, d, sizeof(d)));
	if (!route_is_via(ld, &dest->vip.addr, &dest->addr))
		confirms.route_in_place = false;
	*why = NULL;
	return confirms.result;
}

/* stderr (the log) into a file while a reconciliation runs. */
static struct {
	int saved;
	FILE *tmp;
	char text[8192];
} cap;

static void capture_start(void)
{
	fflush(stderr);
	cap.saved = dup(STDERR_FILENO);
	cap.tmp = tmpfile();
	if (cap.tmp)
		dup2(fileno(cap.tmp), STDERR_FILENO);
}

static const char *capture_end(void)
{
	size_t n = 0;

	fflush(stderr);
	dup2(cap.saved, STDERR_FILENO);
	close(cap.saved);
	cap.text[0] = '\0';
	if (cap.tmp) {
		rewind(cap.tmp);
		n = fread(cap.text, 1, sizeof(cap.text) - 1, cap.tmp);
		cap.text[n] = '\0';
		fclose(cap.tmp);
	}
	return cap.text;
}

/* Reconcile vips; the log in *log, the confirmations in confirms. */
static int reconcile(struct lbnld *ld, const struct lbu_vip *vips, size_t n,
		     int confirm_result, const char **log)
{
	int err;

	confirms.ld = ld;
	confirms.calls[0] = '\0';
	confirms.result = confirm_result;
	confirms.route_in_place = true;
	capture_start();
	err = lbnld_reconcile_vips(ld, vips, n);
	*log = capture_end();
	return err;
}

/* The hook driver --------------------------------------------------------- */

static char hook_dir[] = "/tmp/test_lbnld.XXXXXX";
static char hook_path[PATH_MAX], hook_log[PATH_MAX];

/* A hook that records "verb|vip|dest|protos|ports|" and exits with rc. */
static bool write_hook(int rc, unsigned int sleep_s)
{
	FILE *fp = fopen(hook_path, "w");

	if (!fp)
		return false;
	fprintf(fp, "#!/bin/sh\nsleep %u.4159\nprintf '%%s|' \"$@\" >>'%s'\n"
		"echo >>'%s'\nexit %d\n", sleep_s, hook_log, hook_log, rc);
	fclose(fp);
	return !chmod(hook_path, 0755);
}

/* The file's text (up to 2 KiB), then the file removed. */
static const char *file_text(const char *path)
{
	static char text[2048];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	text[0] = '\0';
	if (fp) {
		n = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
	}
	text[n] = '\0';
	unlink(path);
	return text;
}

/* What the hook was called with since the last call, one line each. */
static const char *hook_calls(void)
{
	return file_text(hook_log);
}

static void test_hook(void)
{
	struct lbu_vip v[3] = {
		single("192.0.2.10", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING, D1),
		off("192.0.2.11", 80, IPPROTO_TCP, 2),
	};
	struct lbnld ld = { .driver = &lbnld_hook_driver,
			    .confirm = record_confirm };
	const char *log;

	if (!mkdtemp(hook_dir)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(hook_path, sizeof(hook_path), "%s/hook", hook_dir);
	snprintf(hook_log, sizeof(hook_log), "%s/calls", hook_dir);
	lbnld_conf_defaults(&ld.conf);
	ld.conf.driver = LBNLD_DRIVER_HOOK;
	snprintf(ld.conf.hook, sizeof(ld.conf.hook), "%s", hook_path);
	CHECK(write_hook(0, 0), "cannot write the hook");

	CHECK(!reconcile(&ld, v, 2, 0, &log), "hook: first run");
	CHECK(!strcmp(hook_calls(), "bypass|192.0.2.10|" D1 "|tcp|80|\n"
		      "self|192.0.2.11||tcp|80|\n"), "hook: told everything");
	CHECK(!strcmp(confirms.calls, "tcp 192.0.2.10:80>" D1 ":80;"),
	      "hook: confirmed after it: %s", confirms.calls);
	CHECK(strstr(log, "VIP 192.0.2.10 bypassed to " D1 " (hook done, confirmed)"),
	      "hook: log: %s", log);

	v[0].router = LBNL_ROUTER_ACTIVE;
	CHECK(!reconcile(&ld, v, 2, 0, &log) && !hook_calls()[0] &&
	      !confirms.calls[0], "hook: nothing changed, nothing run");

	v[0] = multi("192.0.2.10", 80, IPPROTO_TCP, D1, 2);
	CHECK(!reconcile(&ld, v, 1, 0, &log), "hook: unbypass");
	CHECK(!strcmp(hook_calls(), "unbypass|192.0.2.10||tcp|80|\n"
		      "withdraw|192.0.2.11||||\n"),
	      "hook: unbypass and withdraw");
	CHECK(strstr(log, "VIP 192.0.2.10 back to the LB from " D1 " (hook done): tcp 192.0.2.10:80 has 2 active dests") &&
	      strstr(log, "VIP 192.0.2.11 gone (hook done)"),
	      "hook: log: %s", log);

	/* A failing hook: not confirmed, and the same call next time. */
	v[0] = single("192.0.2.20", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING, D1);
	v[1] = single("192.0.2.20", 53, IPPROTO_UDP, LBNL_ROUTER_PENDING, D1);
	v[2] = multi("192.0.2.10", 80, IPPROTO_TCP, D1, 2);
	CHECK(write_hook(3, 0), "cannot write the hook");
	CHECK(reconcile(&ld, v, 3, 0, &log) == -EAGAIN &&
	      !confirms.calls[0] &&
	      strstr(log, "hook bypass 192.0.2.20 " D1 " udp,tcp 53,80: exit status 3"),
	      "hook: failure: %s", log);
	CHECK(!strcmp(hook_calls(), "bypass|192.0.2.20|" D1 "|udp,tcp|53,80|\n"),
	      "hook: two VIPs on one address");
	CHECK(write_hook(0, 0), "cannot write the hook");
	CHECK(!reconcile(&ld, v, 3, 0, &log) &&
	      !strcmp(hook_calls(), "bypass|192.0.2.20|" D1 "|udp,tcp|53,80|\n") &&
	      !strcmp(confirms.calls, "udp 192.0.2.20:53>" D1 ":53;"
		      "tcp 192.0.2.20:80>" D1 ":80;"),
	      "hook: retried, then both confirmed: %s", confirms.calls);

	/* A hook that hangs is killed (with its children) after the timeout. */
	ld.conf.hook_timeout = 1;
	CHECK(write_hook(0, 31), "cannot write the hook");
	v[0] = off("192.0.2.30", 80, IPPROTO_TCP, 1);
	CHECK(reconcile(&ld, v, 3, 0, &log) == -EAGAIN &&
	      strstr(log, "hook self 192.0.2.30 \"\" tcp 80: killed after 1 s (hook-timeout)"),
	      "hook: timeout: %s", log);
	CHECK(system("pgrep -f '^sleep 31.4159$' >/dev/null"),
	      "hook: its sleep killed too");

	/* A hook that cannot run. */
	ld.conf.hook_timeout = 10;
	unlink(hook_path);
	CHECK(reconcile(&ld, v, 3, 0, &log) == -EAGAIN &&
	      strstr(log, "exit status 127 (could not run it?)"),
	      "hook: missing: %s", log);

	lbnld_route_list_free(&ld.told);
	hook_calls();
	unlink(hook_path);
	rmdir(hook_dir);
}

/* A new module instance (ready.c) ---------------------------------------- */

/* A fake lbnl: logs its arguments, prints a line, exits with rc. */
static bool write_cli(const char *path, const char *calls, int rc)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		return false;
	fprintf(fp, "#!/bin/sh\nprintf '%%s|' \"$@\" >>'%s'\necho >>'%s'\n"
		"echo \"lbnl says $1\"\nexit %d\n", calls, calls, rc);
	fclose(fp);
	return !chmod(path, 0755);
}

static bool put_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	bool ok;

	if (!fp)
		return false;
	ok = fputs(text, fp) >= 0;
	return !fclose(fp) && ok;
}

static void test_ready(void)
{
	char dir[] = "/tmp/test_lbnld_ready.XXXXXX", calls[PATH_MAX];
	char restore[PATH_MAX], want[3 * PATH_MAX];
	struct lbnld ld = { .driver = &lbnld_table_driver };
	const char *log;
	bool ok;
	int err;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	lbnld_conf_defaults(&ld.conf);
	CHECK(!lbnld_ready_configures(&ld), "ready: nothing to configure by default");
	snprintf(ld.conf.cli, sizeof(ld.conf.cli), "%s/lbnl", dir);
	snprintf(calls, sizeof(calls), "%s/calls", dir);
	snprintf(restore, sizeof(restore), "%s/lbnl.conf", dir);
	snprintf(ld.conf.restore_file, sizeof(ld.conf.restore_file), "%s",
		 restore);
	CHECK(write_cli(ld.conf.cli, calls, 0), "cannot write the fake lbnl");

	/* No restore file yet (a new LB): nothing run, not a failure. */
	capture_start();
	err = lbnld_ready_configure(&ld);
	log = capture_end();
	CHECK(lbnld_ready_configures(&ld) && !err && !file_text(calls)[0] &&
	      strstr(log, "restore-file ") && strstr(log, "does not exist, nothing restored"),
	      "ready: missing restore-file: %d %s", err, log);

	/* The tag key, then the restore; the CLI's output is logged. */
	CHECK(put_file(restore, "vip add 192.0.2.1:80 proto tcp\n"),
	      "cannot write the restore file");
	snprintf(ld.conf.tag_key_file, sizeof(ld.conf.tag_key_file),
		 "%s/tag.key", dir);
	capture_start();
	err = lbnld_ready_configure(&ld);
	log = capture_end();
	CHECK(!err, "ready: configure: %d %s", err, log);
	snprintf(want, sizeof(want), "tag|set|key-file|%s|\nrestore|%s|\n",
		 ld.conf.tag_key_file, restore);
	CHECK(!strcmp(file_text(calls), want), "ready: the CLI's calls");
	CHECK(strstr(log, "configure: restore ") &&
	      strstr(log, "lbnl says restore") && strstr(log, "lbnl says tag") &&
	      strstr(log, "routable tags' key set from ") &&
	      strstr(log, "configuration restored from ") &&
	      strstr(log, "lbnl says tag") < strstr(log, "lbnl says restore"),
	      "ready: configure log: %s", log);

	/* A CLI that fails: the tag key first, nothing restored after it. */
	CHECK(write_cli(ld.conf.cli, calls, 1), "cannot write the fake lbnl");
	capture_start();
	err = lbnld_ready_configure(&ld);
	log = capture_end();
	ok = err == -EIO && strstr(log, "configure: tag set key-file ") &&
	     strstr(log, ": exit status 1") &&
	     !strstr(log, "configure: restore");
	CHECK(ok, "ready: failing CLI: %d %s", err, log);
	CHECK(!strncmp(file_text(calls), "tag|set|key-file|", 17),
	      "ready: the failing CLI was run once");

	/* Held: not ready while something failed and time is left. */
	ld.conf.ready_timeout = 30;
	lbnld_ready_hold(&ld);
	capture_start();
	ok = lbnld_ready_check(&ld, 3, 0, -EAGAIN);
	log = capture_end();
	CHECK(!ok && ld.held &&
	      strstr(log, "module not ready: some records of migrated associations could not be installed; no route written or removed for 30 s more (ready-timeout)"),
	      "ready: held: %s", log);
	capture_start();
	ok = lbnld_ready_check(&ld, 3, -EIO, 0);
	log = capture_end();
	CHECK(!ok && ld.held &&
	      strstr(log, "its configuration could not be applied"),
	      "ready: held (configuration): %s", log);
	/* ... and goes on once ready-timeout has passed. */
	ld.held_until -= 30 * 1000;
	capture_start();
	ok = lbnld_ready_check(&ld, 3, 0, -EAGAIN);
	log = capture_end();
	CHECK(ok && !ld.held &&
	      strstr(log, "module not ready after 30 s (ready-timeout): some records of migrated associations could not be installed; routes follow 3 VIPs as they are"),
	      "ready: timeout: %s", log);
	/* Ready at once when all went well. */
	lbnld_ready_hold(&ld);
	capture_start();
	ok = lbnld_ready_check(&ld, 12, 0, 0);
	log = capture_end();
	CHECK(ok && !ld.held &&
	      strstr(log, "module ready: 12 VIPs and the records of migrated associations in place; routes follow"),
	      "ready: ready: %s", log);

	unlink(restore);
	unlink(ld.conf.cli);
	rmdir(dir);
}

/* In a network namespace of our own --------------------------------------- */

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

/*
 * A new network namespace (and, without CAP_SYS_ADMIN, a user namespace
 * where we are root), with a veth pair: 10.99.0.2/24 and 2001:db8:99::2/64
 * on lbt0, so that 10.99.0.x and 2001:db8:99::x are usable gateways.
 */
static bool enter_netns(void)
{
	char map[64];

	if (unshare(CLONE_NEWNET)) {
		uid_t uid = getuid();
		gid_t gid = getgid();

		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			return false;
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
		write_file("/proc/self/uid_map", map);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		write_file("/proc/self/gid_map", map);
	}
	return !system("{ ip link set lo up &&"
		       " ip link add name lbt0 type veth peer name lbt1 &&"
		       " ip addr add 10.99.0.2/24 dev lbt0 &&"
		       " ip -6 addr add 2001:db8:99::2/64 dev lbt0 nodad &&"
		       " ip link set lbt1 up && ip link set lbt0 up; }"
		       " >/dev/null 2>&1");
}

/* `ip OPTS route show table 100 proto 76` has a line starting with line. */
static bool ip_shows(const char *opts, const char *line)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "ip %s route show table 100 proto 76 | grep -qx '%s *'",
		 opts, line);
	return !system(cmd);
}

static const char *extack_of(struct lbnl_nl *nl)
{
	const char *msg = lbnl_nl_extack(nl);

	return msg ? msg : "(no message)";
}

static size_t count_for(const struct lbnld_route_list *l, const char *addr)
{
	size_t i, n = 0;

	for (i = 0; i < l->count; i++)
		n += addr_is(&l->routes[i].addr, addr);
	return n;
}

static void test_routes(struct lbnl_nl *rtnl)
{
	int lo = (int)if_nametoindex("lo");
	struct lbnld_route r[] = {
		self_route("192.0.2.1", lo, 0),
		via_route("192.0.2.2", "10.99.0.11", 0),
		self_route("2001:db8::1", lo, 0),
		via_route("2001:db8::2", "2001:db8:99::11", 0),
	};
	struct lbnld_route_list l = { 0 };
	struct lbnld_route bad;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(r); i++) {
		err = lbnld_route_write(rtnl, 100, 76, &r[i]);
		CHECK(!err, "write route %zu: %s (%s)", i, strerror(-err),
		      extack_of(rtnl));
	}
	/* Someone else's: the same table, another protocol; another table. */
	CHECK(!system("ip route add 192.0.2.99/32 dev lo table 100 proto static &&"
		      " ip route add 192.0.2.98/32 dev lo table 101 proto 76"),
	      "foreign routes");
	CHECK(ip_shows("", "192.0.2.1 dev lo scope link") &&
	      ip_shows("", "192.0.2.2 via 10.99.0.11 dev lbt0") &&
	      ip_shows("-6", "2001:db8::1 dev lo metric 1024 pref medium") &&
	      ip_shows("-6", "2001:db8::2 via 2001:db8:99::11 dev lbt0 metric 1024 pref medium"),
	      "ip route shows the four shapes");
	err = lbnld_route_load(rtnl, 100, 76, &l);
	CHECK(!err && l.count == 4, "load: our four routes (%zu): %d",
	      l.count, err);
	for (i = 0; i < l.count; i++) {
		const struct lbnld_route *got = &l.routes[i];
		size_t k;

		for (k = 0; k < ARRAY_SIZE(r); k++)
			if (lbnl_addr_equal(&got->addr, &r[k].addr))
				break;
		CHECK(k < ARRAY_SIZE(r) && lbnld_route_equal(got, &r[k]) &&
		      got->priority == (got->addr.family == AF_INET ? 0 : 1024),
		      "route %zu read back as written", i);
	}
	lbnld_route_list_free(&l);

	/* Flips replace: still one route per address. */
	r[0] = via_route("192.0.2.1", "10.99.0.12", 0);
	r[1] = self_route("192.0.2.2", lo, 0);
	r[2] = via_route("2001:db8::1", "2001:db8:99::12", 0);
	r[3] = self_route("2001:db8::2", lo, 0);
	for (i = 0; i < ARRAY_SIZE(r); i++)
		CHECK(!lbnld_route_write(rtnl, 100, 76, &r[i]),
		      "flip route %zu", i);
	err = lbnld_route_load(rtnl, 100, 76, &l);
	CHECK(!err && l.count == 4 && count_for(&l, "192.0.2.1") == 1 &&
	      count_for(&l, "2001:db8::1") == 1 &&
	      count_for(&l, "2001:db8::2") == 1, "flips are replaces");
	for (i = 0; i < l.count; i++)
		CHECK(lbnld_route_equal(&l.routes[i], &r[0]) ||
		      lbnld_route_equal(&l.routes[i], &r[1]) ||
		      lbnld_route_equal(&l.routes[i], &r[2]) ||
		      lbnld_route_equal(&l.routes[i], &r[3]),
		      "flipped route %zu read back", i);
	lbnld_route_list_free(&l);

	/* A gateway the kernel cannot reach: refused, with its message. */
	bad = via_route("192.0.2.3", "198.51.100.1", 0);
	err = lbnld_route_write(rtnl, 100, 76, &bad);
	CHECK(err && lbnl_nl_extack(rtnl), "unreachable gateway: %d %s", err,
	      extack_of(rtnl));

	/* Deletes: ours only; a table above 255. */
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		r[i].priority = r[i].addr.family == AF_INET6 ? 1024 : 0;
		CHECK(!lbnld_route_delete(rtnl, 100, 76, &r[i]),
		      "delete route %zu", i);
	}
	CHECK(!lbnld_route_load(rtnl, 100, 76, &l) && !l.count,
	      "all ours deleted");
	CHECK(!system("ip route show table 100 | grep -q '^192.0.2.99 '"),
	      "the foreign route stays");
	bad = self_route("192.0.2.4", lo, 0);
	CHECK(!lbnld_route_write(rtnl, 70000, 76, &bad) &&
	      !lbnld_route_load(rtnl, 70000, 76, &l) && l.count == 1,
	      "table 70000");
	lbnld_route_list_free(&l);
	CHECK(lbnld_route_load(rtnl, 100, 76, &l) == 0 && !l.count,
	      "table 100 is not table 70000");
}

static void test_reconcile(struct lbnl_nl *rtnl)
{
	struct lbu_vip v[3] = {
		single("192.0.2.10", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING,
		       "10.99.0.11"),
		off("192.0.2.11", 80, IPPROTO_TCP, 2),
		single("2001:db8::10", 3868, IPPROTO_SCTP, LBNL_ROUTER_ACTIVE,
		       "2001:db8:99::12"),
	};
	struct lbnld ld = { .driver = &lbnld_table_driver, .rtnl = rtnl,
			    .confirm = record_confirm };
	const char *log;
	int err;

	lbnld_conf_defaults(&ld.conf);
	err = reconcile(&ld, v, 3, 0, &log);
	CHECK(!err, "first run: %d: %s", err, log);
	CHECK(ip_shows("", "192.0.2.10 via 10.99.0.11 dev lbt0") &&
	      ip_shows("", "192.0.2.11 dev lo scope link") &&
	      ip_shows("-6", "2001:db8::10 via 2001:db8:99::12 dev lbt0 metric 1024 pref medium"),
	      "first run: routes");
	CHECK(!strcmp(confirms.calls, "tcp 192.0.2.10:80>10.99.0.11:80;") &&
	      confirms.route_in_place,
	      "first run: the pending VIP confirmed, after its route: %s",
	      confirms.calls);
	CHECK(strstr(log, "VIP 192.0.2.10 bypassed to 10.99.0.11 (route written, confirmed)") &&
	      strstr(log, "VIP 192.0.2.11 routed to the LB (route written): tcp 192.0.2.11:80 has bypass off") &&
	      strstr(log, "VIP 2001:db8::10 bypassed to 2001:db8:99::12 (route written)"),
	      "first run: log: %s", log);

	v[0].router = LBNL_ROUTER_ACTIVE;
	CHECK(!reconcile(&ld, v, 3, 0, &log) && !log[0] && !confirms.calls[0],
	      "second run: nothing to do, nothing said: %s", log);

	/* A route deleted by hand comes back. */
	CHECK(!system("ip route del 192.0.2.11/32 table 100"), "ip route del");
	CHECK(!reconcile(&ld, v, 3, 0, &log) &&
	      ip_shows("", "192.0.2.11 dev lo scope link"),
	      "a deleted route is mended");

	v[0] = multi("192.0.2.10", 80, IPPROTO_TCP, "10.99.0.11", 2);
	CHECK(!reconcile(&ld, v, 2, 0, &log) &&
	      ip_shows("", "192.0.2.10 dev lo scope link") &&
	      !ip_shows("-6", "2001:db8::10 via 2001:db8:99::12 dev lbt0 metric 1024 pref medium"),
	      "unbypass, and a VIP address gone");
	CHECK(strstr(log, "VIP 192.0.2.10 back to the LB from 10.99.0.11 (route written): tcp 192.0.2.10:80 has 2 active dests") &&
	      strstr(log, "VIP 2001:db8::10 gone (route deleted)"),
	      "unbypass: log: %s", log);

	/* The VIP changed since the dump: stale, logged, not retried. */
	v[0] = single("192.0.2.10", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING,
		      "10.99.0.12");
	CHECK(!reconcile(&ld, v, 2, -ESTALE, &log) &&
	      strstr(log, "VIP 192.0.2.10 bypassed to 10.99.0.12 (route written; 0 of 1 confirmed, tcp 192.0.2.10:80: the VIP is no longer bypassed to that dest)"),
	      "stale confirmation: %s", log);
	/* The module refused otherwise: retried. */
	CHECK(reconcile(&ld, v, 2, -EPERM, &log) == -EAGAIN &&
	      strstr(log, "VIP 192.0.2.10 bypassed to 10.99.0.12 (route in place; 0 of 1 confirmed"),
	      "refused confirmation: %s", log);

	/* A route the kernel refuses: no confirmation, others go on. */
	v[0] = single("192.0.2.10", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING,
		      "198.51.100.1");
	v[1] = single("192.0.2.12", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING,
		      "10.99.0.13");
	CHECK(reconcile(&ld, v, 2, 0, &log) == -EAGAIN &&
	      !strcmp(confirms.calls, "tcp 192.0.2.12:80>10.99.0.13:80;") &&
	      strstr(log, "VIP 192.0.2.10: cannot write the route via 198.51.100.1 in table 100:") &&
	      ip_shows("", "192.0.2.10 via 10.99.0.12 dev lbt0"),
	      "write refused: the old route stays, unconfirmed: %s", log);

	/* No self device: no self route written, bypasses still are. */
	snprintf(ld.conf.self_dev, sizeof(ld.conf.self_dev), "nosuchdev");
	v[0] = off("192.0.2.10", 80, IPPROTO_TCP, 2);
	v[1] = single("192.0.2.12", 80, IPPROTO_TCP, LBNL_ROUTER_PENDING,
		      "10.99.0.14");
	CHECK(reconcile(&ld, v, 2, 0, &log) == -EAGAIN &&
	      strstr(log, "self-dev nosuchdev: No such device: no route to the LB can be written") &&
	      ip_shows("", "192.0.2.10 via 10.99.0.12 dev lbt0") &&
	      ip_shows("", "192.0.2.12 via 10.99.0.14 dev lbt0") &&
	      !strcmp(confirms.calls, "tcp 192.0.2.12:80>10.99.0.14:80;"),
	      "missing self-dev: %s", log);

	/* No VIP at all: every route of ours goes, others stay. */
	err = reconcile(&ld, NULL, 0, 0, &log);
	CHECK(!err && system("ip route show table 100 proto 76 | grep -q .") &&
	      !system("ip route show table 100 | grep -q '^192.0.2.99 '"),
	      "flush: ours deleted, the foreign route stays: %d %s", err, log);
}


/* Records of migrated associations (records.c) ---------------------------- */

#define RVIP "192.0.2.2"
#define RS1 "203.0.113.11"
#define RS2 "203.0.113.12"
#define RS3 "203.0.113.13"
#define NOW 1800000000LL

static struct lbu_vip_key rvip_key(uint8_t proto)
{
	struct lbu_vip_key k = { .port = 3868, .proto = proto };

	lbnl_parse_addr(RVIP, &k.addr);
	return k;
}

static struct lbu_dest rdest(const char *addr)
{
	struct lbu_dest d = { .vip = rvip_key(IPPROTO_SCTP), .port = 3868 };

	lbnl_parse_addr(addr, &d.addr);
	return d;
}

/* An SCTP entry of RVIP from 198.51.100.1:PORT with tag VTAG on DEST. */
static struct lbu_conn rconn(uint16_t port, uint32_t vtag, const char *dest,
			     bool migrated)
{
	struct lbu_conn c = { .vip = rvip_key(IPPROTO_SCTP), .peer_port = port,
			      .dest_port = 3868, .my_vtag = vtag,
			      .peer_vtag = vtag + 1,
			      .flags = migrated ? LBNL_CONN_F_MIGRATED : 0,
			      .has = LBNL_CONN_HAS_DEST | LBNL_CONN_HAS_FLAGS |
				     LBNL_CONN_HAS_MY_VTAG |
				     LBNL_CONN_HAS_PEER_VTAG };

	lbnl_parse_addr("198.51.100.1", &c.peer_addr);
	lbnl_parse_addr(dest, &c.dest_addr);
	return c;
}

static struct {
	char dir[64];
	char calls[512];	/* "install 0x10;replace 0x11 from 203...;" */
	int result;		/* what the fake install returns */
} rt;

static int fake_install(void *arg, const struct lbnld_record *rec,
			const struct lbu_conn *replace, const char **why)
{
	char from[LBNL_ADDRSTRLEN] = "";
	size_t len = strlen(rt.calls);

	(void)arg;
	if (replace)
		lbnl_format_addr(&replace->dest_addr, from, sizeof(from));
	snprintf(rt.calls + len, sizeof(rt.calls) - len, "%s 0x%x%s%s;",
		 replace ? "replace" : "install", rec->my_vtag,
		 replace ? " from " : "", from);
	*why = rt.result ? "fake refusal" : NULL;
	return rt.result;
}

/* The dests of RVIP (all three, or only the first n). */
static void view_init(struct lbnld_rec_view *v, struct lbu_dest *dests,
		      size_t n, const struct lbu_conn *conns, size_t n_conns)
{
	const char *addrs[] = { RS1, RS2, RS3 };
	size_t i;

	for (i = 0; i < n; i++)
		dests[i] = rdest(addrs[i]);
	memset(v, 0, sizeof(*v));
	v->dests = dests;
	v->n_dests = n;
	v->conns = conns;
	v->n_conns = n_conns;
	v->complete = true;
	v->now = NOW;
	v->max_age = LBNLD_RECORD_MAX_AGE;
}

/* Sync, the log in *log; the fake's calls in rt.calls. */
static int rsync(struct lbnld_records *r, const struct lbnld_rec_view *v,
		 int result, const char **log)
{
	int err;

	rt.calls[0] = '\0';
	rt.result = result;
	capture_start();
	err = lbnld_records_sync(r, v, fake_install, NULL);
	*log = capture_end();
	return err;
}

static const struct lbnld_record *rfind(struct lbnld_records *r,
					uint32_t vtag)
{
	size_t i;

	for (i = 0; i < lbnld_records_count(r); i++)
		if (lbnld_records_get(r, i)->my_vtag == vtag)
			return lbnld_records_get(r, i);
	return NULL;
}

static char *rfile(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", rt.dir, name);
	return path;
}

static bool file_is(const char *path, const char *text)
{
	char buf[4096];
	FILE *fp = fopen(path, "r");
	size_t n;

	if (!fp)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return !strcmp(buf, text);
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

/* How many files of the state directory start with prefix. */
static int files_like(const char *prefix)
{
	char cmd[512];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -1 %s | grep -c '^%s'", rt.dir, prefix);
	p = popen(cmd, "r");
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static struct lbnld_records *ropen(const char **log)
{
	struct lbnld_records *r;

	capture_start();
	r = lbnld_records_open(rt.dir);
	*log = capture_end();
	return r;
}

/* The file: written atomically, read back, new records, the ended. */
static void test_records_store(void)
{
	struct lbu_conn c[2] = { rconn(40001, 0x10, RS2, true),
				 rconn(40002, 0x20, RS3, true) };
	struct lbnld_records *r, *r2;
	const struct lbnld_record *rec;
	struct lbnld_rec_view v;
	struct lbu_dest d[3];
	struct stat st;
	const char *log;
	char cmd[512];

	r = ropen(&log);
	CHECK(r && lbnld_records_loaded(r) && !lbnld_records_count(r) &&
	      !log[0], "no file: no records, nothing said: %s", log);
	CHECK(!stat(rt.dir, &st) && S_ISDIR(st.st_mode),
	      "the state directory is made");
	view_init(&v, d, 3, c, 2);
	CHECK(!rsync(r, &v, 0, &log) && lbnld_records_count(r) == 2 &&
	      !rt.calls[0], "two migrated entries recorded, nothing installed: %s %s",
	      rt.calls, log);
	CHECK(strstr(log, "record added: sctp 192.0.2.2:3868 peer 198.51.100.1:40001 vtag 0x00000010 on 203.0.113.12:3868"),
	      "record added: logged: %s", log);
	CHECK(!stat(rfile(LBNLD_RECORDS_FILE), &st) &&
	      (st.st_mode & 0777) == 0600 && files_like("migrated.json.tmp") == 0,
	      "the file is there, 0600, no temporary left");
	CHECK(file_is(rfile(LBNLD_RECORDS_FILE),
		      "{\n \"version\": 1,\n \"records\": [\n  {\n"
		      "   \"vip\": \"192.0.2.2:3868\",\n   \"proto\": \"sctp\",\n"
		      "   \"peer\": \"198.51.100.1:40001\",\n   \"my_vtag\": 16,\n"
		      "   \"peer_vtag\": 17,\n   \"dest\": \"203.0.113.12:3868\",\n"
		      "   \"first_seen\": 1800000000,\n"
		      "   \"last_seen\": 1800000000\n  },\n  {\n"
		      "   \"vip\": \"192.0.2.2:3868\",\n   \"proto\": \"sctp\",\n"
		      "   \"peer\": \"198.51.100.1:40002\",\n   \"my_vtag\": 32,\n"
		      "   \"peer_vtag\": 33,\n   \"dest\": \"203.0.113.13:3868\",\n"
		      "   \"first_seen\": 1800000000,\n"
		      "   \"last_seen\": 1800000000\n  }\n ]\n}"),
	      "the file's content");

	/* A rename, not a rewrite: a link to the old file keeps it. */
	snprintf(cmd, sizeof(cmd), "ln %s %s.old", rfile(LBNLD_RECORDS_FILE),
		 rfile(LBNLD_RECORDS_FILE));
	CHECK(!system(cmd), "%s", cmd);
	v.n_conns = 1;		/* 0x20's entry is gone: ended */
	CHECK(!rsync(r, &v, 0, &log) && lbnld_records_count(r) == 1 &&
	      strstr(log, "record removed: sctp 192.0.2.2:3868 peer 198.51.100.1:40002 vtag 0x00000020: its entry is gone: the association ended"),
	      "an ended association's record removed: %s", log);
	CHECK(!stat(rfile("migrated.json.old"), &st) && st.st_nlink == 1 &&
	      st.st_size > 400, "the old file untouched (replaced by rename)");
	unlink(rfile("migrated.json.old"));

	/* Another lbnld reads what this one wrote. */
	r2 = ropen(&log);
	rec = r2 ? rfind(r2, 0x10) : NULL;
	CHECK(rec && lbnld_records_count(r2) == 1 && !rec->seen &&
	      rec->peer.port == 40001 && rec->peer_vtag == 0x11 &&
	      rec->dest.port == 3868 && rec->first_seen == NOW &&
	      rec->last_seen == NOW && strstr(log, "1 records"),
	      "read back: %s", log);
	/* Its first reconciliation installs what the table lacks. */
	v.n_conns = 0;
	CHECK(!rsync(r2, &v, 0, &log) &&
	      !strcmp(rt.calls, "install 0x10;") && rfind(r2, 0x10)->seen &&
	      strstr(log, "record sctp 192.0.2.2:3868 peer 198.51.100.1:40001 vtag 0x00000010: entry installed on 203.0.113.12:3868"),
	      "read back, installed: %s %s", rt.calls, log);
	lbnld_records_free(r2);
	lbnld_records_free(r);
}

/* A file that is not a records file: moved aside, loudly; lbnld goes on. */
static void corrupt_case(const char *text, const char *why)
{
	struct lbu_conn c = rconn(40005, 0x50, RS2, true);
	struct lbnld_records *r;
	struct lbnld_rec_view v;
	struct lbu_dest d[3];
	const char *log;
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -f %s/*", rt.dir);
	if (system(cmd))
		CHECK(0, "%s", cmd);
	write_text(rfile(LBNLD_RECORDS_FILE), text);
	r = ropen(&log);
	CHECK(r && lbnld_records_loaded(r) && !lbnld_records_count(r) &&
	      strstr(log, "not a records file (") && strstr(log, why) &&
	      strstr(log, "moved to ") &&
	      strstr(log, "the migrated associations it recorded are not installed again") &&
	      files_like("migrated.json.corrupt-") == 1 &&
	      files_like("migrated.json$") == 0,
	      "corrupt '%s': %s", text, log);
	view_init(&v, d, 3, &c, 1);
	CHECK(r && !rsync(r, &v, 0, &log) && files_like("migrated.json$") == 1 &&
	      lbnld_records_count(r) == 1,
	      "corrupt '%s': a new file with the new record: %s", text, log);
	lbnld_records_free(r);
}

static void test_records_corrupt(void)
{
	struct lbu_conn c = rconn(40006, 0x60, RS2, true);
	static const char v2[] = "{\"version\": 2, \"records\": []}";
	struct lbnld_records *r;
	struct lbnld_rec_view v;
	struct lbu_dest d[3];
	const char *log;
	char cmd[512];

	corrupt_case("{\"version\": 1, \"records\": [", "line 1");
	corrupt_case("", "line 1");
	corrupt_case("[]", "xpected object");
	corrupt_case("{\"version\": 1}", "records");
	corrupt_case("{\"version\": 1, \"records\": {}}", "records is not an array");
	corrupt_case("{\"version\": 1, \"records\": [], \"x\": 1}", "x");
	corrupt_case("{\"version\": 1, \"version\": 1, \"records\": []}", "duplicate");
	corrupt_case("{\"version\": 1, \"records\": [{\"vip\": \"192.0.2.2:3868\"}]}",
		     "record 0: ");
	corrupt_case("{\"version\": 1, \"records\": [{\"vip\": \"192.0.2.2\", "
		     "\"proto\": \"sctp\", \"peer\": \"198.51.100.1:1\", "
		     "\"my_vtag\": 1, \"dest\": \"203.0.113.11:1\", "
		     "\"first_seen\": 0, \"last_seen\": 0}]}",
		     "record 0: vip '192.0.2.2' is not ADDR:PORT");
	corrupt_case("{\"version\": 1, \"records\": [{\"vip\": \"192.0.2.2:1\", "
		     "\"proto\": \"sctp\", \"peer\": \"[2001:db8::1]:1\", "
		     "\"my_vtag\": 1, \"dest\": \"203.0.113.11:1\", "
		     "\"first_seen\": 0, \"last_seen\": 0}]}",
		     "of the VIP's family");
	corrupt_case("{\"version\": 1, \"records\": [{\"vip\": \"192.0.2.2:1\", "
		     "\"proto\": \"sctp\", \"peer\": \"198.51.100.1:1\", "
		     "\"my_vtag\": 0, \"dest\": \"203.0.113.11:1\", "
		     "\"first_seen\": 0, \"last_seen\": 0}]}",
		     "out of range");
	corrupt_case("{\"version\": 1, \"records\": [{\"vip\": \"192.0.2.2:1\", "
		     "\"proto\": \"tcp\", \"peer\": \"198.51.100.1:1\", "
		     "\"my_vtag\": 5, \"dest\": \"203.0.113.11:1\", "
		     "\"first_seen\": 0, \"last_seen\": 0}]}",
		     "proto 'tcp', expected sctp");
	corrupt_case("{\"version\": 1, \"records\": [{\"vip\": \"192.0.2.2:1\", "
		     "\"proto\": \"sctp\", \"peer\": \"198.51.100.1:1\", "
		     "\"my_vtag\": 5, \"dest\": \"203.0.113.11:1\", "
		     "\"first_seen\": 0, \"last_seen\": 0, \"extra\": 1}]}",
		     "record 0: ");

	/* Another version: left alone, nothing saved over it. */
	snprintf(cmd, sizeof(cmd), "rm -f %s/*", rt.dir);
	if (system(cmd))
		CHECK(0, "%s", cmd);
	write_text(rfile(LBNLD_RECORDS_FILE), v2);
	r = ropen(&log);
	CHECK(r && !lbnld_records_loaded(r) &&
	      strstr(log, "version 2 (this lbnld reads 1): the records of migrated associations are not read nor saved until it is"),
	      "version 2: %s", log);
	view_init(&v, d, 3, &c, 1);
	CHECK(r && rsync(r, &v, 0, &log) == -EAGAIN &&
	      lbnld_records_count(r) == 1 &&
	      file_is(rfile(LBNLD_RECORDS_FILE), v2) && !strstr(log, "version"),
	      "version 2: kept in memory, the file untouched, said once: %s",
	      log);
	/* Once it can be read, the records made meanwhile join it. */
	write_text(rfile(LBNLD_RECORDS_FILE),
		   "{\"version\": 1, \"records\": [{\"vip\": \"192.0.2.2:3868\", "
		   "\"proto\": \"sctp\", \"peer\": \"198.51.100.1:40007\", "
		   "\"my_vtag\": 112, \"dest\": \"203.0.113.13:3868\", "
		   "\"first_seen\": 1799999000, \"last_seen\": 1799999900}]}");
	CHECK(r && !rsync(r, &v, 0, &log) && lbnld_records_loaded(r) &&
	      lbnld_records_count(r) == 2 && rfind(r, 0x70) &&
	      !strcmp(rt.calls, "install 0x70;"),
	      "readable again: merged, installed: %s %s", rt.calls, log);
	lbnld_records_free(r);

	/* Unreadable (a directory in its place): not overwritten. */
	snprintf(cmd, sizeof(cmd), "rm -f %s/* && mkdir %s", rt.dir,
		 rfile(LBNLD_RECORDS_FILE));
	CHECK(!system(cmd), "%s", cmd);
	r = ropen(&log);
	CHECK(r && !lbnld_records_loaded(r) && strstr(log, "Is a directory"),
	      "unreadable: %s", log);
	CHECK(r && rsync(r, &v, 0, &log) == -EAGAIN &&
	      lbnld_records_count(r) == 1 && !stat(rfile(LBNLD_RECORDS_FILE), &(struct stat){ 0 }),
	      "unreadable: not overwritten: %s", log);
	lbnld_records_free(r);
	snprintf(cmd, sizeof(cmd), "rmdir %s", rfile(LBNLD_RECORDS_FILE));
	CHECK(!system(cmd), "%s", cmd);
}

/* decide() on r (records made from conns first); the action of vtag. */
static enum lbnld_rec_action action_of(struct lbnld_records *r,
				       const struct lbnld_rec_view *v,
				       uint32_t vtag,
				       const struct lbu_conn **entry)
{
	struct lbnld_rec_decision *d;
	enum lbnld_rec_action a = 99;
	size_t i, n;

	capture_start();
	if (!lbnld_records_decide(r, v, &d, &n)) {
		for (i = 0; i < n; i++)
			if (lbnld_records_get(r, i)->my_vtag == vtag) {
				a = d[i].action;
				if (entry)
					*entry = d[i].entry;
			}
		free(d);
	}
	capture_end();
	return a;
}

/* The decisions, one case at a time: the table is the authority. */
static void test_records_decide(void)
{
	struct lbu_conn c[4], moved;
	struct lbnld_records *r;
	struct lbnld_rec_view v;
	struct lbnl_event ev = { 0 };
	struct lbu_dest d[3];
	const struct lbu_conn *e = NULL;
	const struct lbnld_record *rec;
	const char *log;
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/*", rt.dir);
	if (system(cmd))
		CHECK(0, "%s", cmd);
	r = ropen(&log);
	if (!r)
		return;
	c[0] = rconn(40001, 0x10, RS2, true);
	c[1] = rconn(40002, 0x20, RS3, true);
	view_init(&v, d, 3, c, 2);
	CHECK(!rsync(r, &v, 0, &log) && lbnld_records_count(r) == 2,
	      "two records");

	/* In the table on its dest: kept, refreshed. */
	v.now = NOW + 100;
	CHECK(action_of(r, &v, 0x10, NULL) == LBNLD_REC_KEEP &&
	      rfind(r, 0x10)->last_seen == NOW + 100, "present: kept, fresh");

	/* Incomplete dump: an absence means nothing. */
	v.n_conns = 1;
	v.complete = false;
	CHECK(action_of(r, &v, 0x20, NULL) == LBNLD_REC_KEEP,
	      "absent from an interrupted dump: kept");
	v.complete = true;
	CHECK(action_of(r, &v, 0x20, NULL) == LBNLD_REC_REMOVE,
	      "seen, then absent: ended");

	/* A new module instance: installed before any absence counts. */
	lbnld_records_new_instance(r);
	v.n_conns = 0;
	CHECK(action_of(r, &v, 0x10, NULL) == LBNLD_REC_INSTALL &&
	      action_of(r, &v, 0x20, NULL) == LBNLD_REC_INSTALL,
	      "new instance, no entries: both installed, none ended");

	/* Its packets came first and went to another dest: replaced. */
	c[2] = rconn(40001, 0x10, RS1, false);
	v.conns = &c[2];
	v.n_conns = 1;
	CHECK(action_of(r, &v, 0x10, &e) == LBNLD_REC_REPLACE && e == &c[2],
	      "an unflagged entry to another dest: replaced");
	/* ... or to its own dest: kept as it is. */
	c[2] = rconn(40001, 0x10, RS2, false);
	CHECK(action_of(r, &v, 0x10, NULL) == LBNLD_REC_KEEP &&
	      rfind(r, 0x10)->seen, "an unflagged entry to its dest: kept");

	/* Migrated again: the record follows the table. */
	moved = rconn(40001, 0x10, RS3, true);
	moved.peer_vtag = 0x99;
	v.conns = &moved;
	CHECK(action_of(r, &v, 0x10, NULL) == LBNLD_REC_KEEP &&
	      rfind(r, 0x10)->dest.addr.v4.s_addr == d[2].addr.v4.s_addr &&
	      rfind(r, 0x10)->peer_vtag == 0x99, "migrated again: dest updated");

	/* Another association from the same peer address and port: ended. */
	c[3] = rconn(40002, 0x777, RS1, false);
	v.conns = &c[3];
	CHECK(action_of(r, &v, 0x20, NULL) == LBNLD_REC_REMOVE,
	      "its peer's port reused: ended");

	/* Its dest not there (yet): kept; deleted after it was seen: gone. */
	lbnld_records_new_instance(r);
	v.n_conns = 0;
	v.n_dests = 1;		/* RS1 only */
	CHECK(action_of(r, &v, 0x20, NULL) == LBNLD_REC_KEEP,
	      "dest absent since the instance began: kept");
	v.n_dests = 3;
	CHECK(action_of(r, &v, 0x20, NULL) == LBNLD_REC_INSTALL,
	      "dest back: installed");
	v.n_dests = 1;
	CHECK(action_of(r, &v, 0x20, NULL) == LBNLD_REC_REMOVE,
	      "dest seen, then absent: deleted");

	/* Not seen for longer than the cap: dropped. */
	lbnld_records_new_instance(r);
	v.n_dests = 1;
	v.now = NOW + LBNLD_RECORD_MAX_AGE + 200;
	CHECK(action_of(r, &v, 0x20, NULL) == LBNLD_REC_REMOVE &&
	      action_of(r, &v, 0x10, NULL) == LBNLD_REC_REMOVE,
	      "unseen for more than the cap: dropped");
	v.now = NOW + 200;
	v.n_dests = 3;

	/* Events: a VIP or a dest deleted while lbnld watches. */
	lbnld_records_new_instance(r);
	ev.cmd = LBNL_CMD_DEST_DEL;
	ev.has_dest = true;
	ev.dest = rdest(RS1);
	lbnld_records_event(r, &ev);
	CHECK(action_of(r, &v, 0x10, NULL) == LBNLD_REC_INSTALL,
	      "another dest deleted: nothing");
	ev.dest = rdest(RS3);
	lbnld_records_event(r, &ev);
	CHECK(action_of(r, &v, 0x10, NULL) == LBNLD_REC_REMOVE &&
	      action_of(r, &v, 0x20, NULL) == LBNLD_REC_REMOVE,
	      "its dest deleted: gone");
	lbnld_records_new_instance(r);
	ev = (struct lbnl_event){ .cmd = LBNL_CMD_VIP_DEL, .has_vip = true };
	ev.vip.key = rvip_key(IPPROTO_TCP);
	lbnld_records_event(r, &ev);
	CHECK(action_of(r, &v, 0x10, NULL) == LBNLD_REC_INSTALL,
	      "a TCP VIP of the same address deleted: nothing");
	ev.vip.key = rvip_key(IPPROTO_SCTP);
	lbnld_records_event(r, &ev);
	CHECK(action_of(r, &v, 0x10, NULL) == LBNLD_REC_REMOVE,
	      "its VIP deleted: gone");
	lbnld_records_new_instance(r);
	ev = (struct lbnl_event){ .cmd = LBNL_CMD_FLUSH };
	lbnld_records_event(r, &ev);
	CHECK(action_of(r, &v, 0x20, NULL) == LBNLD_REC_REMOVE,
	      "flush: gone");
	/* ... and a new migration of the same association, in the same pass. */
	v.conns = &moved;
	v.n_conns = 1;
	CHECK(!rsync(r, &v, 0, &log) && lbnld_records_count(r) == 1 &&
	      (rec = rfind(r, 0x10)) && rec->first_seen == NOW + 200,
	      "flushed, then migrated again: a new record: %s", log);

	/* The same entry twice in a dump: one record. */
	c[0] = rconn(40009, 0x90, RS2, true);
	c[1] = c[0];
	v.conns = c;
	v.n_conns = 2;
	CHECK(!rsync(r, &v, 0, &log) && lbnld_records_count(r) == 1 &&
	      rfind(r, 0x90) && strstr(log, "0x00000010: its entry is gone"),
	      "an entry listed twice: one record (and 0x10 ended): %s", log);
	lbnld_records_free(r);
}

/* The pass: installs as decided, retries refusals, keeps the dumps small. */
static void test_records_sync(void)
{
	struct lbu_conn c[3], tcp;
	struct lbnld_records *r;
	struct lbnld_rec_view v;
	struct lbu_dest d[3];
	const char *log;
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/*", rt.dir);
	if (system(cmd))
		CHECK(0, "%s", cmd);
	r = ropen(&log);
	if (!r)
		return;
	c[0] = rconn(40001, 0x10, RS2, true);
	c[1] = rconn(40002, 0x20, RS3, true);
	view_init(&v, d, 3, c, 2);
	CHECK(!rsync(r, &v, 0, &log), "two records");
	lbnld_records_new_instance(r);
	c[0] = rconn(40001, 0x10, RS1, false);
	v.n_conns = 1;
	CHECK(rsync(r, &v, -EEXIST, &log) == -EAGAIN &&
	      !strcmp(rt.calls, "replace 0x10 from 203.0.113.11;install 0x20;") &&
	      strstr(log, "not installed on 203.0.113.13:3868 (tried again): fake refusal") &&
	      lbnld_records_count(r) == 2,
	      "refused: tried again, nothing lost: %s %s", rt.calls, log);
	CHECK(!rsync(r, &v, 0, &log) &&
	      !strcmp(rt.calls, "replace 0x10 from 203.0.113.11;install 0x20;") &&
	      strstr(log, "entry to 203.0.113.11:3868 replaced by one to 203.0.113.12:3868") &&
	      rfind(r, 0x10)->seen && rfind(r, 0x20)->seen,
	      "then done: %s %s", rt.calls, log);
	CHECK(rsync(r, &v, -ENOENT, &log) == 0 && lbnld_records_count(r) == 1,
	      "0x20 installed then gone: ended: %s", log);

	/* What the dumps keep. */
	{
		struct rec_keep {
			struct lbu_conn c;
			bool keep;
		} cases[] = {
			{ rconn(40001, 0x10, RS2, false), true },	/* its tag */
			{ rconn(40001, 0x11, RS2, false), true },	/* its peer */
			{ rconn(40003, 0x10, RS2, false), false },	/* its tag, another port */
			{ rconn(40004, 0x44, RS2, true), true },	/* migrated */
			{ rconn(40005, 0x55, RS2, false), false },
		};
		size_t i;

		CHECK(!lbnld_records_index(r), "index");
		tcp = rconn(40001, 0x10, RS2, true);
		tcp.vip.proto = IPPROTO_TCP;
		for (i = 0; i < ARRAY_SIZE(cases); i++)
			CHECK(lbnld_records_keep(&cases[i].c, r) == cases[i].keep,
			      "keep case %zu", i);
		CHECK(!lbnld_records_keep(&tcp, r), "TCP entries never kept");
	}
	lbnld_records_free(r);
}

static void test_records(void)
{
	char base[] = "/tmp/test_records.XXXXXX", cmd[96];

	if (!mkdtemp(base)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(rt.dir, sizeof(rt.dir), "%s/state", base);
	test_records_store();
	test_records_corrupt();
	test_records_decide();
	test_records_sync();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd))
		CHECK(0, "%s", cmd);
}


/* Migrations: a fake module, fake agents ---------------------------------- */

#define SRC "203.0.113.11"
#define TGT "203.0.113.12"
#define VTAG 0x1234abcdU

/* The module as the sessions see it: one association, one migration. */
static struct {
	pthread_mutex_t lock;
	uint8_t mode;
	bool open;			/* the migration */
	struct lbnl_endpoint open_target;
	struct lbnl_endpoint entry;	/* the entry's dest */
	bool has_entry;
	int commits, aborts;		/* that went through */
	bool refuse_commit;		/* as if the deadline passed */
	int delay_ms;			/* each call takes this */
} fm = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct lbnl_endpoint ep(const char *addr, uint16_t port)
{
	struct lbnl_endpoint e = { .port = port };

	lbnl_parse_addr(addr, &e.addr);
	return e;
}

static int fm_open(void **h)
{
	*h = &fm;
	return 0;
}

static void fm_close(void *h)
{
	(void)h;
}

static void fm_delay(void)
{
	if (fm.delay_ms)
		usleep(fm.delay_ms * 1000);
}

static int fm_vip_get(void *h, const struct lbu_vip_key *key,
		      struct lbu_vip *vip)
{
	(void)h;
	memset(vip, 0, sizeof(*vip));
	vip->key = *key;
	vip->has = LBNL_VIP_HAS_MODE;
	vip->mode = fm.mode;
	return 0;
}

static int fm_close_migration(bool commit)
{
	int err = 0;

	fm_delay();
	pthread_mutex_lock(&fm.lock);
	if (!fm.open) {
		err = -ENOENT;
	} else if (commit && fm.refuse_commit) {
		/* The deadline passed: the module rolled back itself. */
		fm.open = false;
		err = -ENOENT;
	} else {
		fm.open = false;
		if (commit) {
			fm.entry = fm.open_target;
			fm.commits++;
		} else {
			fm.aborts++;
		}
	}
	pthread_mutex_unlock(&fm.lock);
	return err;
}

static int fm_commit(void *h, const struct lbu_vip_key *vip, uint32_t vtag)
{
	(void)h;
	(void)vip;
	return vtag == VTAG ? fm_close_migration(true) : -ENOENT;
}

static int fm_abort(void *h, const struct lbu_vip_key *vip, uint32_t vtag)
{
	(void)h;
	(void)vip;
	return vtag == VTAG ? fm_close_migration(false) : -ENOENT;
}

static int fm_find(void *h, const struct lbu_vip_key *vip, uint32_t vtag,
		   struct lbnl_migrate *m)
{
	int err = -ENOENT;

	(void)h;
	pthread_mutex_lock(&fm.lock);
	if (fm.open && vtag == VTAG) {
		memset(m, 0, sizeof(*m));
		m->vip = *vip;
		m->vtag = vtag;
		m->target = fm.open_target;
		m->source = ep(SRC, 3868);
		m->has = LBNL_MIGRATE_HAS_VTAG | LBNL_MIGRATE_HAS_SOURCE |
			 LBNL_MIGRATE_HAS_TARGET;
		err = 0;
	}
	pthread_mutex_unlock(&fm.lock);
	return err;
}

static int fm_entry_dest(void *h, const struct lbu_vip_key *vip,
			 uint32_t vtag, struct lbnl_endpoint *dest)
{
	(void)h;
	(void)vip;
	if (!fm.has_entry || vtag != VTAG)
		return -ENOENT;
	*dest = fm.entry;
	return 0;
}

static const char *fm_why(void *h)
{
	(void)h;
	return NULL;
}

static const struct lbnld_mig_ops fake_module = {
	.open = fm_open, .close = fm_close, .vip_get = fm_vip_get,
	.commit = fm_commit, .abort = fm_abort, .find = fm_find,
	.entry_dest = fm_entry_dest, .why = fm_why,
};

/* The module with an open migration of VTAG from SRC to TGT. */
static void fm_reset(void)
{
	pthread_mutex_lock(&fm.lock);
	fm.mode = LBNL_FWD_TUN;
	fm.open = true;
	fm.open_target = ep(TGT, 3868);
	fm.entry = ep(SRC, 3868);
	fm.has_entry = true;
	fm.commits = fm.aborts = 0;
	fm.refuse_commit = false;
	fm.delay_ms = 0;
	pthread_mutex_unlock(&fm.lock);
}

/* Test certificates (mkcert.sh, next to this program). */
static char cert_dir[] = "/tmp/test_lbnld.XXXXXX";
static char mkcert[512];

static struct lbnl_ctl_tls *test_tls(const char *sub, const char *name)
{
	char ca[300], cert[300], key[300], err[512];
	struct lbnl_ctl_tls *t = NULL;

	snprintf(ca, sizeof(ca), "%s/ca.pem", cert_dir);
	snprintf(cert, sizeof(cert), "%s%s/%s.pem", cert_dir, sub, name);
	snprintf(key, sizeof(key), "%s%s/%s.key", cert_dir, sub, name);
	if (lbnl_ctl_tls_load(ca, cert, key, &t, err, sizeof(err)))
		CHECK(0, "test certificate %s: %s", name, err);
	return t;
}

static int make_certs(const char *argv0)
{
	char self[512], cmd[8192];

	snprintf(self, sizeof(self), "%s", argv0);
	snprintf(mkcert, sizeof(mkcert), "%s/mkcert.sh", dirname(self));
	if (!mkdtemp(cert_dir))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "%1$s ca %2$s && %1$s cert %2$s lb lb 1 && "
		 "%1$s cert %2$s src agent 1 " SRC " && "
		 "%1$s cert %2$s tgt agent 1 " TGT " && "
		 "%1$s ca %2$s/other && %1$s cert %2$s/other src agent 1 " SRC,
		 mkcert, cert_dir);
	return system(cmd) ? -1 : 0;
}

/* A source agent: what it does with a MIGRATE. */
enum agent_act { AGENT_OK, AGENT_FAIL, AGENT_SILENT, AGENT_HANGUP };

static struct {
	int fd;				/* listening */
	uint16_t port;
	enum agent_act act;
	struct lbnl_ctl_tls *tls;
	pthread_t thread;
	/* What it saw. */
	struct lbnl_ctl_msg migrate;
	bool got_migrate, got_decision, commit;
} fa;

static void *fake_agent(void *arg)
{
	struct lbnl_ctl_msg r = { 0 }, d = { 0 };
	struct lbnl_ctl_conn *c;
	char err[256];
	int fd;

	(void)arg;
	fd = accept(fa.fd, NULL, NULL);
	if (fd < 0 || lbnl_ctl_accept(fd, fa.tls, 2000, &c, err,
				      sizeof(err)))
		return NULL;
	if (lbnl_ctl_recv(c, &fa.migrate, 2000) ||
	    fa.migrate.type != LBNL_CTL_MIGRATE)
		goto out;
	fa.got_migrate = true;
	if (fa.act == AGENT_HANGUP)
		goto out;
	if (fa.act != AGENT_SILENT) {
		r.type = LBNL_CTL_RESULT;
		r.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_STATUS |
			LBNL_CTL_HAS_VIP | LBNL_CTL_HAS_ASSOC |
			LBNL_CTL_HAS_TARGET;
		r.session = fa.migrate.session;
		r.status = fa.act == AGENT_OK ? 0 : -ECONNREFUSED;
		if (r.status)
			snprintf(r.reason, sizeof(r.reason),
				 "target agent: import: Connection refused");
		r.vip = fa.migrate.vip;
		r.vtag = fa.migrate.vtag;
		r.assoc = fa.migrate.assoc;
		r.target = fa.migrate.target;
		r.target_agent = fa.migrate.target_agent;
		if (lbnl_ctl_send(c, &r, 2000))
			goto out;
	}
	if (!lbnl_ctl_recv(c, &d, 5000) && d.type == LBNL_CTL_DECISION) {
		fa.got_decision = true;
		fa.commit = d.commit;
	}
out:
	lbnl_ctl_close(c);
	return NULL;
}

/* A listening socket on 127.0.0.1, port in *port. */
static int listen_loopback(uint16_t *port)
{
	struct lbnld_conf c;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char err[256];
	int fd;

	lbnld_conf_defaults(&c);
	c.listen = ep("127.0.0.1", 0);
	fd = lbnld_listen_open(&c, err, sizeof(err));
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void agent_start(enum agent_act act)
{
	lbnl_ctl_msg_free(&fa.migrate);
	memset(&fa.migrate, 0, sizeof(fa.migrate));
	fa.got_migrate = fa.got_decision = fa.commit = false;
	fa.act = act;
	pthread_create(&fa.thread, NULL, fake_agent, NULL);
}

static void wait_idle(struct lbnld_migrator *mig)
{
	int i;

	for (i = 0; i < 1000 && lbnld_migrator_busy(mig); i++)
		usleep(10000);
}

static struct lbnl_migrate open_migration(uint32_t id, uint32_t timeout_ms)
{
	struct lbnl_migrate m = {
		.has = LBNL_MIGRATE_HAS_ID | LBNL_MIGRATE_HAS_VTAG |
		       LBNL_MIGRATE_HAS_PEER | LBNL_MIGRATE_HAS_SOURCE |
		       LBNL_MIGRATE_HAS_TARGET | LBNL_MIGRATE_HAS_TIMEOUT |
		       LBNL_MIGRATE_HAS_AGE,
		.id = id, .vtag = VTAG, .timeout_ms = timeout_ms, .age_ms = 5,
	};

	lbnl_parse_addr("192.0.2.2", &m.vip.addr);
	m.vip.port = 3868;
	m.vip.proto = IPPROTO_SCTP;
	m.peer = ep("198.51.100.1", 40001);
	m.source = ep(SRC, 3868);
	m.target = ep(TGT, 3868);
	return m;
}

/*
 * One session: the fake agent does act, the module is as fm says. The
 * log in *log. join: wait for the fake agent's thread.
 */
static void run_session(struct lbnld_migrator *mig, uint32_t id,
			uint32_t timeout_ms, const char **log)
{
	struct lbnl_migrate m = open_migration(id, timeout_ms);

	capture_start();
	lbnld_migrator_update(mig, &m, 1, false);
	wait_idle(mig);
	*log = capture_end();
}

/* An agent's RESULT to lbnld's port: the DECISION (-1: none). */
static int send_result(uint16_t port, struct lbnl_ctl_tls *tls,
		       bool ok, const char *target)
{
	struct lbnl_ctl_msg r = { .type = LBNL_CTL_RESULT }, d = { 0 };
	struct lbnl_endpoint to = ep("127.0.0.1", port);
	struct lbnl_migrate m = open_migration(0, 0);
	struct lbnl_ctl_conn *c;
	char err[256];
	int ret = -1;

	if (lbnl_ctl_connect(&to, tls, LBNL_CTL_ROLE_LBNLD, 2000, &c, err,
			     sizeof(err)))
		return -1;
	r.has = LBNL_CTL_HAS_SESSION | LBNL_CTL_HAS_STATUS | LBNL_CTL_HAS_VIP |
		LBNL_CTL_HAS_ASSOC | LBNL_CTL_HAS_TARGET;
	r.session = 77;
	r.status = ok ? 0 : -EIO;
	r.vip = m.vip;
	r.vtag = VTAG;
	r.assoc.laddr = m.vip.addr;
	r.assoc.lport = m.vip.port;
	r.assoc.paddr = m.peer.addr;
	r.assoc.pport = m.peer.port;
	r.target = ep(target, 3868);
	r.target_agent = ep("127.0.0.1", 1);
	if (!lbnl_ctl_send(c, &r, 2000) && !lbnl_ctl_recv(c, &d, 5000) &&
	    d.type == LBNL_CTL_DECISION)
		ret = d.commit;
	lbnl_ctl_close(c);
	return ret;
}

struct result_arg {
	uint16_t port;
	struct lbnl_ctl_tls *tls;
	bool ok;
	const char *target;
	int decision;
};

static void *result_thread(void *arg)
{
	struct result_arg *a = arg;

	a->decision = send_result(a->port, a->tls, a->ok, a->target);
	return NULL;
}

/* lbnld's listener: accept one connection, hand it to the migrator. */
static int ask_listener(struct lbnld_migrator *mig, int lfd,
			struct result_arg *a, const char **log)
{
	pthread_t t;
	int fd;

	capture_start();
	pthread_create(&t, NULL, result_thread, a);
	fd = accept(lfd, NULL, NULL);
	if (fd >= 0)
		lbnld_migrator_accept(mig, fd);
	pthread_join(t, NULL);
	usleep(50000);	/* the gate's log of a refused handshake */
	wait_idle(mig);
	*log = capture_end();
	return a->decision;
}

static void test_sessions(struct lbnld_migrator *mig, struct lbnld_conf *conf,
			  struct lbnl_ctl_tls *key)
{
	const char *log;

	/* RESULT ok: commit, DECISION commit. */
	fm_reset();
	agent_start(AGENT_OK);
	run_session(mig, 1, 3000, &log);
	pthread_join(fa.thread, NULL);
	CHECK(fm.commits == 1 && !fm.aborts && fa.got_decision && fa.commit &&
	      strstr(log, "migration 1 sctp 192.0.2.2:3868 peer 198.51.100.1:40001 " SRC " -> " TGT ": committed in "),
	      "RESULT ok: commit %d abort %d decision %d/%d, log %s",
	      fm.commits, fm.aborts, fa.got_decision, fa.commit, log);
	CHECK(fa.got_migrate && fa.migrate.vtag == VTAG &&
	      assoc_local_is(&fa.migrate, "192.0.2.2:3868") &&
	      fa.migrate.assoc.pport == 40001 &&
	      endpoint_is(&fa.migrate.target, TGT ":3868") &&
	      endpoint_is(&fa.migrate.target_agent, TGT ":7342") &&
	      fa.migrate.reply_port == conf->listen.port &&
	      fa.migrate.deadline_ms > 2000 &&
	      fa.migrate.deadline_ms <= 3000 - 5 - conf->margin_ms,
	      "the MIGRATE: vtag %x ports %u %u deadline %u reply %u",
	      fa.migrate.vtag, fa.migrate.assoc.lport, fa.migrate.assoc.pport,
	      fa.migrate.deadline_ms, fa.migrate.reply_port);

	/* RESULT failed: abort, DECISION abort. */
	fm_reset();
	agent_start(AGENT_FAIL);
	run_session(mig, 2, 3000, &log);
	pthread_join(fa.thread, NULL);
	CHECK(!fm.commits && fm.aborts == 1 && fa.got_decision && !fa.commit &&
	      strstr(log, ": aborted after ") &&
	      strstr(log, "target agent: import: Connection refused"),
	      "RESULT failed: commit %d abort %d decision %d/%d, log %s",
	      fm.commits, fm.aborts, fa.got_decision, fa.commit, log);

	/* RESULT ok, the commit refused (deadline passed): DECISION abort. */
	fm_reset();
	fm.refuse_commit = true;
	agent_start(AGENT_OK);
	run_session(mig, 3, 3000, &log);
	pthread_join(fa.thread, NULL);
	CHECK(!fm.commits && fa.got_decision && !fa.commit &&
	      strstr(log, "commit refused") &&
	      strstr(log, "the entry names " SRC ":3868: abort"),
	      "commit refused: decision %d/%d, log %s", fa.got_decision,
	      fa.commit, log);

	/* No RESULT before the deadline: abort, DECISION abort. */
	fm_reset();
	agent_start(AGENT_SILENT);
	run_session(mig, 4, 400, &log);
	pthread_join(fa.thread, NULL);
	CHECK(!fm.commits && fm.aborts == 1 && fa.got_decision && !fa.commit &&
	      strstr(log, "no RESULT before the deadline"),
	      "silent agent: abort %d decision %d/%d, log %s", fm.aborts,
	      fa.got_decision, fa.commit, log);

	/* The connection lost: abort. */
	fm_reset();
	agent_start(AGENT_HANGUP);
	run_session(mig, 5, 3000, &log);
	pthread_join(fa.thread, NULL);
	CHECK(!fm.commits && fm.aborts == 1 && strstr(log, ": aborted after "),
	      "agent hung up: abort %d, log %s", fm.aborts, log);

	/*
	 * A nat VIP (dests on port 11868): the agent is asked about the
	 * association on the source's own address and the dest's port.
	 */
	fm_reset();
	fm.mode = LBNL_FWD_NAT;
	fm.open_target = ep(TGT, 11868);
	fm.entry = ep(SRC, 11868);
	agent_start(AGENT_OK);
	{
		struct lbnl_migrate m = open_migration(6, 3000);

		m.source.port = 11868;
		m.target.port = 11868;
		capture_start();
		lbnld_migrator_update(mig, &m, 1, false);
		wait_idle(mig);
		log = capture_end();
	}
	pthread_join(fa.thread, NULL);
	CHECK(fm.commits == 1 && !fm.aborts && fa.got_decision && fa.commit &&
	      strstr(log, ": committed in "),
	      "nat VIP: commit %d abort %d decision %d/%d, log %s",
	      fm.commits, fm.aborts, fa.got_decision, fa.commit, log);
	CHECK(fa.got_migrate && assoc_local_is(&fa.migrate, SRC ":11868") &&
	      fa.migrate.assoc.pport == 40001 &&
	      endpoint_is(&fa.migrate.target, TGT ":11868"),
	      "nat VIP: the MIGRATE names the source's own address and port");

	/* No agent listening: connection refused, abort. */
	fm_reset();
	conf->agents[0].port = 1;	/* nothing listens on port 1 */
	lbnld_migrator_configure(mig, conf, key);
	run_session(mig, 7, 3000, &log);
	CHECK(fm.aborts == 1 &&
	      strstr(log, ": aborted after ") &&
	      strstr(log, "source agent: connect 127.0.0.1:1: Connection refused"),
	      "no agent: abort %d, log %s", fm.aborts, log);
	conf->agents[0].port = fa.port;
	lbnld_migrator_configure(mig, conf, key);

	/* Seen already, or open at start: not started (again). */
	fm_reset();
	run_session(mig, 1, 3000, &log);
	CHECK(fm.open && !fm.aborts && !strstr(log, "migration 1"),
	      "a migration seen already is left alone: %s", log);
	{
		struct lbnl_migrate m = open_migration(8, 3000);

		capture_start();
		lbnld_migrator_update(mig, &m, 1, true);
		log = capture_end();
		CHECK(fm.open && !fm.aborts && !lbnld_migrator_busy(mig) &&
		      strstr(log, "open already at start"),
		      "open at start: left alone: %s", log);
	}
	/* Without a key: logged, not driven. */
	lbnld_migrator_configure(mig, conf, NULL);
	run_session(mig, 9, 3000, &log);
	CHECK(fm.open && !fm.aborts && strstr(log, "not driven: no key-file"),
	      "no key: %s", log);
	lbnld_migrator_configure(mig, conf, key);
}

static void test_listener(struct lbnld_migrator *mig, int lfd, uint16_t port,
			  struct lbnl_ctl_tls *agent_src,
			  struct lbnl_ctl_tls *agent_tgt,
			  struct lbnl_ctl_tls *alien)
{
	struct result_arg a = { .port = port, .tls = agent_src, .ok = true,
				.target = TGT };
	struct lbnl_migrate m;
	const char *log;
	int d;

	/* An open migration to that target: commit it. */
	fm_reset();
	d = ask_listener(mig, lfd, &a, &log);
	CHECK(d == 1 && fm.commits == 1, "listener, open: decision %d, %s",
	      d, log);
	/* None open, the entry names the target: commit (a restarted lbnld). */
	d = ask_listener(mig, lfd, &a, &log);
	CHECK(d == 1 && fm.commits == 1 && strstr(log, "answered commit"),
	      "listener, committed already: decision %d, %s", d, log);
	/* None open, the entry names the source: abort. */
	fm_reset();
	fm.open = false;
	d = ask_listener(mig, lfd, &a, &log);
	CHECK(d == 0 && !fm.commits && strstr(log, "answered abort"),
	      "listener, rolled back: decision %d, %s", d, log);
	/* A failed RESULT: abort. */
	fm_reset();
	a.ok = false;
	d = ask_listener(mig, lfd, &a, &log);
	CHECK(d == 0 && fm.aborts == 1, "listener, failed: decision %d, %s",
	      d, log);
	/* An open migration to another target: abort, the migration stays. */
	fm_reset();
	a.ok = true;
	a.target = "203.0.113.13";
	d = ask_listener(mig, lfd, &a, &log);
	CHECK(d == 0 && fm.open && !fm.aborts,
	      "listener, other target: decision %d open %d, %s", d, fm.open,
	      log);
	a.target = TGT;
	/* A certificate of another CA: rejected, logged, nothing done. */
	fm_reset();
	a.tls = alien;
	d = ask_listener(mig, lfd, &a, &log);
	CHECK(d == -1 && fm.open && !fm.commits && !fm.aborts &&
	      strstr(log, "127.0.0.1") &&
	      strstr(log, "unable to get local issuer certificate"),
	      "listener, another CA: decision %d, %s", d, log);
	/* The agent of another dest (the target's): refused, nothing done. */
	fm_reset();
	a.tls = agent_tgt;
	d = ask_listener(mig, lfd, &a, &log);
	CHECK(d == -1 && fm.open && !fm.commits && !fm.aborts &&
	      strstr(log, "refused: its certificate does not name the source dest " SRC),
	      "listener, another dest's agent: decision %d, %s", d, log);
	a.tls = agent_src;

	/*
	 * A session waits for a silent agent; the agent's RESULT reaches
	 * the listener: it decides (commit), the session agrees at its
	 * deadline, the module commits once.
	 */
	fm_reset();
	agent_start(AGENT_SILENT);
	m = open_migration(20, 1500);
	capture_start();
	lbnld_migrator_update(mig, &m, 1, false);
	usleep(200000);
	{
		pthread_t t;
		int fd;

		pthread_create(&t, NULL, result_thread, &a);
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			lbnld_migrator_accept(mig, fd);
		pthread_join(t, NULL);
	}
	wait_idle(mig);
	pthread_join(fa.thread, NULL);
	log = capture_end();
	CHECK(a.decision == 1 && fm.commits == 1 && !fm.aborts &&
	      fa.got_decision && fa.commit &&
	      strstr(log, "migration 20 ") && strstr(log, ": committed in "),
	      "session and listener: decision %d/%d/%d commits %d aborts %d, %s",
	      a.decision, fa.got_decision, fa.commit, fm.commits, fm.aborts,
	      log);
}

/* Many sessions at once, each with its own thread. */
static void test_many(struct lbnld_migrator *mig, struct lbnld_conf *conf,
		      struct lbnl_ctl_tls *key)
{
	struct lbnl_migrate m[150];
	const char *log;
	size_t i;

	fm_reset();
	fm.delay_ms = 500;	/* each abort: all still running below */
	conf->agents[0].port = 1;	/* refused at once */
	lbnld_migrator_configure(mig, conf, key);
	for (i = 0; i < 150; i++)
		m[i] = open_migration(100 + (uint32_t)i, 3000);
	capture_start();
	lbnld_migrator_update(mig, m, 150, false);
	CHECK(lbnld_migrator_busy(mig) == 150, "150 sessions at once: %u",
	      lbnld_migrator_busy(mig));
	wait_idle(mig);
	log = capture_end();
	/* The fake module has one migration: one abort, the rest ENOENT. */
	CHECK(!lbnld_migrator_busy(mig) && fm.aborts == 1,
	      "150 sessions: busy %u aborts %d", lbnld_migrator_busy(mig),
	      fm.aborts);
	(void)log;
	fm.delay_ms = 0;
}

/* The association's local endpoint the source agent is told. */
static void test_assoc_local(void)
{
	struct lbnl_migrate m = { 0 };
	struct lbnl_endpoint l;

	lbnl_parse_addr("192.0.2.3", &m.vip.addr);
	m.vip.port = 3872;
	m.source = ep(SRC, 13872);
	lbnld_assoc_local(&m, false, &l);
	CHECK(endpoint_is(&l, "192.0.2.3:3872"), "tun: the VIP's endpoint");
	lbnld_assoc_local(&m, true, &l);
	CHECK(endpoint_is(&l, SRC ":13872"), "nat: the source's endpoint");
	m.source.port = 0;	/* a dest without a port: the VIP's */
	lbnld_assoc_local(&m, true, &l);
	CHECK(endpoint_is(&l, SRC ":3872"), "nat, no dest port: the VIP's");
}

static void test_migrations(void)
{
	struct lbnl_ctl_tls *key = test_tls("", "lb");
	struct lbnl_ctl_tls *src = test_tls("", "src");
	struct lbnl_ctl_tls *tgt = test_tls("", "tgt");
	struct lbnl_ctl_tls *alien = test_tls("/other", "src");
	struct lbnld_migrator *mig;
	struct lbnld_conf conf;
	uint16_t lport;
	int lfd;

	if (!key || !src || !tgt || !alien)
		return;
	fa.fd = listen_loopback(&fa.port);
	lfd = listen_loopback(&lport);
	if (fa.fd < 0 || lfd < 0 || lbnld_migrator_new(&fake_module, &mig)) {
		CHECK(0, "cannot listen on 127.0.0.1");
		return;
	}
	fa.tls = src;
	lbnld_conf_defaults(&conf);
	conf.agents[0].dest = ep(SRC, 0).addr;
	conf.agents[0].addr = ep("127.0.0.1", 0).addr;
	conf.agents[0].port = fa.port;
	conf.n_agents = 1;
	conf.listen = ep("127.0.0.1", lport);
	test_assoc_local();
	lbnld_migrator_configure(mig, &conf, key);
	test_sessions(mig, &conf, key);
	{
		/* The source's agent has the certificate of another dest. */
		const char *log;

		fm_reset();
		fa.tls = tgt;
		agent_start(AGENT_OK);
		run_session(mig, 30, 3000, &log);
		pthread_join(fa.thread, NULL);
		CHECK(fm.aborts == 1 && !fa.got_migrate &&
		      strstr(log, "its certificate does not name the source dest " SRC ": not asked"),
		      "agent of another dest: abort %d, migrate %d, log %s",
		      fm.aborts, fa.got_migrate, log);
		fa.tls = src;
	}
	test_listener(mig, lfd, lport, src, tgt, alien);
	test_many(mig, &conf, key);
	lbnl_ctl_msg_free(&fa.migrate);
	close(fa.fd);
	close(lfd);
	lbnld_migrator_free(mig);
}

int main(int argc, char **argv)
{
	struct lbnl_nl *rtnl;
	char cmd[600];

	(void)argc;
	lbnl_log_init("lbnld", false, false);
	if (make_certs(argv[0])) {
		printf("test_lbnld: %s failed\n", mkcert);
		return 1;
	}
	test_conf();
	test_decisions();
	test_diff();
	test_hook();
	test_ready();
	test_records();
	test_migrations();
	if (!enter_netns()) {
		printf("test_lbnld: no network namespace of our own (needs unshare and ip): route tests skipped\n");
	} else if (lbnl_route_nl_open(&rtnl)) {
		CHECK(0, "cannot open an rtnetlink socket");
	} else {
		test_routes(rtnl);
		test_reconcile(rtnl);
		lbnl_nl_close(rtnl);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", cert_dir);
	if (system(cmd))
		CHECK(0, "%s", cmd);
	printf("test_lbnld: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
