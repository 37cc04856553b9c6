// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl - configure the lbnl in-kernel L4 load balancer.
 *
 *	lbnl [-j [-p]] OBJECT COMMAND [ARGUMENTS]
 *
 * Objects and commands are matched exactly (no abbreviations). Every
 * object and command takes "help" (or -h, --help).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/lbnl.h>

#include "lbnl.h"

#ifndef LBNL_VERSION
#define LBNL_VERSION "0.1.0"
#endif

struct lbnl_opts opts;

static const struct object objects[] = {
	{ "vip", vip_cmds, "show", NULL },
	{ "dest", dest_cmds, "show", NULL },
	{ "assoc", assoc_cmds, "show", NULL },
	{ "conn", conn_cmds, "show", NULL },
	{ "migrate", migrate_cmds, "show", "start" },
	{ "tag", tag_cmds, "show", NULL },
	{ "stats", stats_cmds, NULL, NULL },
	{ "flush", flush_cmds, NULL, NULL },
	{ "monitor", monitor_cmds, NULL, NULL },
	{ "save", save_cmds, NULL, NULL },
	{ "restore", restore_cmds, NULL, NULL },
	{ "sync", sync_cmds, NULL, NULL },
	{ "group", group_cmds, "status", NULL },
	{ NULL, NULL, NULL, NULL },
};

/* Other names of commands, accepted but not listed by "help". */
static const struct {
	const char *object;
	const char *alias;
	const char *cmd;
} aliases[] = {
	{ "assoc", "list", "show" },
};

const struct object *find_object(const char *name)
{
	const struct object *obj;

	for (obj = objects; obj->name; obj++)
		if (!strcmp(obj->name, name))
			return obj;
	return NULL;
}

const struct cmd *find_cmd(const struct object *obj, const char *name)
{
	const struct cmd *cmd;

	unsigned int i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(aliases[i].object, obj->name) &&
		    !strcmp(aliases[i].alias, name))
			name = aliases[i].cmd;
	for (cmd = obj->cmds; cmd->args; cmd++)
		if (cmd->name && !strcmp(cmd->name, name))
			return cmd;
	return NULL;
}

/*
 * An address, or meant to be one ("192.0.2.1:x", "[::1]"): not a command
 * name, which is a lower-case word.
 */
static bool looks_like_address(const char *arg)
{
	return arg[0] == '[' || isdigit((unsigned char)arg[0]) ||
	       strpbrk(arg, ":.");
}

const struct cmd *resolve_cmd(const struct object *obj, const char *word,
			      bool *implicit)
{
	const struct cmd *cmd = find_cmd(obj, word);

	*implicit = !cmd && obj->implicit_cmd && looks_like_address(word);
	if (*implicit)
		cmd = find_cmd(obj, obj->implicit_cmd);
	return cmd;
}

/* The command an address in its place means ("lbnl migrate VIP:PORT"). */
static bool is_implicit(const struct object *obj, const struct cmd *cmd)
{
	return obj->implicit_cmd && cmd->name &&
	       !strcmp(cmd->name, obj->implicit_cmd);
}

/*
 * "lbnl vip add ARGS", wrapping at each '\n' of ARGS under its start; an
 * implicit command in brackets ("lbnl migrate [start] ARGS").
 */
static void print_synopsis(FILE *fp, const char *lead,
			   const struct object *obj, const struct cmd *cmd)
{
	bool implicit = is_implicit(obj, cmd);
	int indent = fprintf(fp, "%slbnl %s%s%s%s%s%s", lead, obj->name,
			     cmd->name ? " " : "", implicit ? "[" : "",
			     cmd->name ? cmd->name : "", implicit ? "]" : "",
			     *cmd->args ? " " : "");
	const char *p;

	for (p = cmd->args; *p; p++) {
		if (*p == '\n')
			fprintf(fp, "\n%*s", indent, "");
		else
			fputc(*p, fp);
	}
	fputc('\n', fp);
}

static void print_object_usage(FILE *fp, const struct object *obj,
			       const char *first_lead)
{
	const struct cmd *cmd;

	for (cmd = obj->cmds; cmd->args; cmd++) {
		print_synopsis(fp, first_lead, obj, cmd);
		first_lead = "       ";
	}
}

static void print_cmd_help(FILE *fp, const struct object *obj,
			   const struct cmd *cmd)
{
	print_synopsis(fp, "Usage: ", obj, cmd);
	fprintf(fp, "%s.\n", cmd->summary);
}

static void print_help(FILE *fp)
{
	const struct object *obj;

	fprintf(fp, "Usage: lbnl [-j [-p]] [-h|--help] [-V|--version] OBJECT COMMAND ...\n\n");
	for (obj = objects; obj->name; obj++)
		print_object_usage(fp, obj, "       ");
	fprintf(fp,
		"\n"
		"Options:\n"
		"  -j, --json      JSON output (show commands, stats, assoc import,\n"
		"                  migrate start, monitor)\n"
		"  -p, --pretty    indent JSON output (with -j; and assoc export's)\n"
		"  -h, --help      print this help\n"
		"  -V, --version   print the version\n"
		"\n"
		"ADDR:PORT is 192.0.2.1:80 or [2001:db8::1]:80; a dest without\n"
		"a port uses the VIP's. \"lbnl OBJECT help\" and \"lbnl OBJECT\n"
		"COMMAND help\" describe one object or command.\n"
		"Exit status: 0 success, 1 refused by the kernel or failed,\n"
		"2 usage error. See lbnl(8).\n");
}

static int __attribute__((format(printf, 1, 2)))
usage_hint(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "Error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry \"lbnl help\".\n");
	return EXIT_USAGE;
}

static bool has_help_arg(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (is_help_arg(argv[i]))
			return true;
	return false;
}

static int run_cmd(const struct object *obj, const struct cmd *cmd,
		   int argc, char **argv)
{
	struct request req;
	const char *msg;
	int ret;

	if (has_help_arg(argc, argv)) {
		print_cmd_help(stdout, obj, cmd);
		return EXIT_OK;
	}
	if (cmd->parse) {
		memset(&req, 0, sizeof(req));
		ret = cmd->parse(argc, argv, &req);
		if (ret == EXIT_OK)
			ret = run_request(&req);
	} else {
		ret = cmd->run(argc, argv);
	}
	msg = usage_error_take();
	if (ret == EXIT_USAGE && msg) {
		fprintf(stderr, "Error: %s\n", msg);
		print_synopsis(stderr, "Usage: ", obj, cmd);
	}
	return ret;
}

static int run_object(const struct object *obj, int argc, char **argv)
{
	const char *name = obj->default_cmd;
	const struct cmd *cmd;
	bool implicit;

	if (!obj->cmds[0].name)		/* the object is the command */
		return run_cmd(obj, &obj->cmds[0], argc, argv);
	if (argc > 0) {
		if (is_help_arg(argv[0])) {
			print_object_usage(stdout, obj, "Usage: ");
			return EXIT_OK;
		}
		name = argv[0];
		argc--;
		argv++;
	}
	cmd = resolve_cmd(obj, name, &implicit);
	if (implicit) {
		/* The address is the command's first argument. */
		argc++;
		argv--;
	}
	if (!cmd) {
		fprintf(stderr, "Error: unknown command '%s' for '%s'\n",
			name, obj->name);
		print_object_usage(stderr, obj, "Usage: ");
		return EXIT_USAGE;
	}
	return run_cmd(obj, cmd, argc, argv);
}

int main(int argc, char **argv)
{
	const struct object *obj;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "-j") || !strcmp(opt, "--json")) {
			opts.json = true;
		} else if (!strcmp(opt, "-p") || !strcmp(opt, "--pretty")) {
			opts.pretty = true;
		} else if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
			print_help(stdout);
			return EXIT_OK;
		} else if (!strcmp(opt, "-V") || !strcmp(opt, "--version")) {
			printf("lbnl %s (netlink family %s version %d)\n",
			       LBNL_VERSION, LBNL_GENL_NAME, LBNL_GENL_VERSION);
			return EXIT_OK;
		} else if (!strcmp(opt, "--")) {
			i++;
			break;
		} else {
			return usage_hint("unknown option '%s'", opt);
		}
	}
	if (i == argc)
		return usage_hint("missing object");
	if (!strcmp(argv[i], "help")) {
		print_help(stdout);
		return EXIT_OK;
	}
	obj = find_object(argv[i]);
	if (!obj)
		return usage_hint("unknown object '%s'", argv[i]);
	return run_object(obj, argc - i - 1, argv + i + 1);
}
