// SPDX-License-Identifier: GPL-2.0
/*
 * Argument parsing shared by every command: the VIP key, the dest address
 * and "KEYWORD VALUE" options. Parsers never print: they record the
 * problem with usage_error() and return EXIT_USAGE, and the caller says
 * where it happened (a command line, or a line of "lbnl restore").
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/lbnl.h>

#include "lbnl.h"
#include "names.h"
#include "util.h"

static char usage_msg[512];
static bool usage_pending;

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(usage_msg, sizeof(usage_msg), fmt, ap);
	va_end(ap);
	usage_pending = true;
	return EXIT_USAGE;
}

/* The message of the last usage_error() not taken yet, or NULL. */
const char *usage_error_take(void)
{
	if (!usage_pending)
		return NULL;
	usage_pending = false;
	return usage_msg;
}

bool is_help_arg(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") ||
	       !strcmp(arg, "--help");
}

int expect_no_args(int argc, char **argv)
{
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	return 0;
}

/*
 * -j/--json and -p/--pretty may also follow the command (as they may
 * precede the object). Removes them; the other arguments keep their order.
 */
int take_output_options(int *argc, char **argv)
{
	int i, n = 0;

	for (i = 0; i < *argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json"))
			opts.json = true;
		else if (!strcmp(a, "-p") || !strcmp(a, "--pretty"))
			opts.pretty = true;
		else if (a[0] == '-' && a[1])
			return usage_error("unknown option '%s'", a);
		else
			argv[n++] = argv[i];
	}
	*argc = n;
	return 0;
}

static int parse_name(const struct lbnl_name_table *t, const char *keyword,
		      const char *arg, unsigned int *value)
{
	if (lbnl_value(t, arg, value))
		return usage_error("invalid %s '%s', expected %s", keyword, arg,
				   t->choices);
	return 0;
}

/*
 * The optional "[ADDR:PORT proto P]" of the show commands, and nothing
 * after it: *filter is @key when given, NULL when not.
 */
int parse_vip_filter(int argc, char **argv, struct lbu_vip_key *key,
		     struct lbu_vip_key **filter)
{
	*filter = NULL;
	if (!argc)
		return 0;
	if (parse_vip_key(&argc, &argv, key) || expect_no_args(argc, argv))
		return EXIT_USAGE;
	*filter = key;
	return 0;
}

/* "ADDR:PORT proto P" at the start of the arguments; consumes them. */
int parse_vip_key(int *argc, char ***argv, struct lbu_vip_key *key)
{
	char **av = *argv;
	unsigned int proto;
	int err;

	if (*argc < 1)
		return usage_error("missing VIP address (ADDR:PORT)");
	err = lbnl_parse_addr_port(av[0], &key->addr, &key->port, NULL);
	if (err)
		return usage_error("invalid VIP address '%s': %s", av[0],
				   lbnl_addr_strerror(err));
	if (*argc < 2)
		return usage_error("missing 'proto %s' after the VIP address",
				   lbnl_proto_names.choices);
	if (strcmp(av[1], "proto"))
		return usage_error("expected 'proto' after the VIP address, got '%s'",
				   av[1]);
	if (*argc < 3)
		return usage_error("missing value for 'proto'");
	if (parse_name(&lbnl_proto_names, "proto", av[2], &proto))
		return EXIT_USAGE;
	key->proto = (uint8_t)proto;
	*argc -= 3;
	*argv += 3;
	return 0;
}

/* "DADDR[:PORT]" of a dest of vip; no port means the VIP's port. */
int parse_dest_addr(const char *arg, const struct lbu_vip_key *vip,
		    struct lbu_dest *dest)
{
	bool has_port;
	int err;

	dest->vip = *vip;
	err = lbnl_parse_addr_port(arg, &dest->addr, &dest->port, &has_port);
	if (err)
		return usage_error("invalid dest address '%s': %s", arg,
				   lbnl_addr_strerror(err));
	if (!has_port)
		dest->port = vip->port;
	return 0;
}

/* "PEER:PORT" of a flow of vip: an address of the VIP's family, a port. */
int parse_peer_addr(const char *arg, const struct lbu_vip_key *vip,
		    struct lbnl_addr *addr, uint16_t *port)
{
	int err = lbnl_parse_addr_port(arg, addr, port, NULL);

	if (err)
		return usage_error("invalid peer address '%s': %s", arg,
				   lbnl_addr_strerror(err));
	if (addr->family != vip->addr.family)
		return usage_error("peer address '%s' is not of the VIP's address family",
				   arg);
	return 0;
}

/*
 * "VIP:PORT proto P DADDR[:PORT]" at the start of the arguments; consumes
 * them.
 */
int parse_dest_key(int *argc, char ***argv, struct lbu_dest *dest)
{
	struct lbu_vip_key vip;

	if (parse_vip_key(argc, argv, &vip))
		return EXIT_USAGE;
	if (*argc < 1)
		return usage_error("missing dest address (DADDR[:PORT])");
	if (parse_dest_addr((*argv)[0], &vip, dest))
		return EXIT_USAGE;
	(*argc)--;
	(*argv)++;
	return 0;
}

int parse_keywords(int argc, char **argv, const char *const *keywords,
		   unsigned int n, const char **values)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		values[i] = NULL;
	for (; argc > 0; argc -= 2, argv += 2) {
		for (i = 0; i < n; i++)
			if (!strcmp(argv[0], keywords[i]))
				break;
		if (i == n)
			return usage_error("unknown keyword '%s'", argv[0]);
		if (values[i])
			return usage_error("'%s' given twice", argv[0]);
		if (argc < 2)
			return usage_error("missing value for '%s'", argv[0]);
		values[i] = argv[1];
	}
	return 0;
}

int parse_timeout_ms(const char *arg, uint32_t *ms)
{
	if (lbnl_parse_u32(arg, ms))
		return usage_error("invalid timeout '%s', expected milliseconds from 0 to 4294967295",
				   arg);
	return 0;
}

/*
 * "KEYWORD VALUE" options. Each option sets one "has" bit; its value is a
 * name from a table, or a u32 when names is NULL.
 */
struct option_spec {
	const char *keyword;
	unsigned int bit;
	const struct lbnl_name_table *names;
};

#define MAX_OPTIONS	8

static int parse_options(int argc, char **argv,
			 const struct option_spec *specs, unsigned int nspecs,
			 unsigned int *seen, uint32_t *values)
{
	const char *keywords[MAX_OPTIONS], *args[MAX_OPTIONS];
	unsigned int i;

	for (i = 0; i < nspecs; i++)
		keywords[i] = specs[i].keyword;
	if (parse_keywords(argc, argv, keywords, nspecs, args))
		return EXIT_USAGE;
	for (i = 0; i < nspecs; i++) {
		if (!args[i])
			continue;
		if (specs[i].names) {
			unsigned int v;

			if (parse_name(specs[i].names, keywords[i], args[i],
				       &v))
				return EXIT_USAGE;
			values[i] = v;
		} else if (lbnl_parse_u32(args[i], &values[i])) {
			return usage_error("invalid %s '%s', expected a number from 0 to 4294967295",
					   keywords[i], args[i]);
		}
		*seen |= specs[i].bit;
	}
	return 0;
}

enum { VIP_MODE, VIP_SCHED, VIP_BYPASS, VIP_MIGRATE_AFTER, VIP_NOPTS };

static const struct option_spec vip_specs[VIP_NOPTS] = {
	[VIP_MODE] = { "mode", LBNL_VIP_HAS_MODE, &lbnl_mode_names },
	[VIP_SCHED] = { "sched", LBNL_VIP_HAS_SCHED, &lbnl_sched_names },
	[VIP_BYPASS] = { "bypass", LBNL_VIP_HAS_BYPASS, &lbnl_bypass_names },
	[VIP_MIGRATE_AFTER] = { "migrate-after", LBNL_VIP_HAS_MIGRATE_AFTER,
				NULL },
};

/* [mode M] [sched S] [bypass B] [migrate-after SEC] */
int parse_vip_options(int argc, char **argv, struct lbu_vip *vip)
{
	uint32_t v[VIP_NOPTS] = { 0 };

	if (parse_options(argc, argv, vip_specs, VIP_NOPTS, &vip->has, v))
		return EXIT_USAGE;
	vip->mode = (uint8_t)v[VIP_MODE];
	vip->sched = (uint8_t)v[VIP_SCHED];
	vip->bypass = (uint8_t)v[VIP_BYPASS];
	vip->migrate_after = v[VIP_MIGRATE_AFTER];
	return 0;
}

enum { DEST_WEIGHT, DEST_STATE, DEST_TAG_ID, DEST_STATE_IF, DEST_NOPTS };

static const struct option_spec dest_specs[DEST_NOPTS] = {
	[DEST_WEIGHT] = { "weight", LBNL_DEST_HAS_WEIGHT, NULL },
	[DEST_STATE] = { "state", LBNL_DEST_HAS_STATE, &lbnl_state_names },
	[DEST_TAG_ID] = { "tag-id", LBNL_DEST_HAS_TAG_ID, NULL },
	[DEST_STATE_IF] = { "if-state", LBNL_DEST_HAS_STATE_IF,
			    &lbnl_state_names },
};

/*
 * [weight W] [state S] [tag-id ID], and with @set [if-state S]: the
 * change applies only if the dest is in state S when the module takes it
 * (what a script or a checker that read the state before needs).
 */
int parse_dest_options(int argc, char **argv, struct lbu_dest *dest, bool set)
{
	uint32_t v[DEST_NOPTS] = { 0 };

	if (parse_options(argc, argv, dest_specs, set ? DEST_NOPTS :
			  DEST_STATE_IF, &dest->has, v))
		return EXIT_USAGE;
	dest->weight = v[DEST_WEIGHT];
	dest->state = (uint8_t)v[DEST_STATE];
	dest->state_if = (uint8_t)v[DEST_STATE_IF];
	if (v[DEST_TAG_ID] > LBNL_TAG_ID_MAX)
		return usage_error("invalid tag-id '%u', expected a number from 0 (none) to %u",
				   v[DEST_TAG_ID], LBNL_TAG_ID_MAX);
	dest->tag_id = (uint16_t)v[DEST_TAG_ID];
	return 0;
}
