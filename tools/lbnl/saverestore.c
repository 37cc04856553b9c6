// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl save / lbnl restore.
 *
 * save prints the configuration as commands without the leading "lbnl",
 * one per line, which restore reads back.
 *
 * restore first parses every line (a syntax error stops it before anything
 * is applied), then applies them in order. Before each change it records
 * how to undo it (reading the old state from the kernel where needed); if
 * the kernel refuses a line, the recorded undos run in reverse.
 *
 * A VIP and its dests are one change: a "vip add" goes to the kernel
 * together with the "dest add" lines of that VIP after it (one VIP_NEW
 * with LBNL_A_VIP_DESTS), and "dest add" lines of one VIP with those of
 * it after them (one VIP_SET), so that no packet is ever scheduled on a
 * part of the dests (a new flow, or one picked up mid-way after a restart,
 * would keep the wrong dest). A later line joins the group unless a line
 * in between touches that VIP otherwise (vip set or del, dest set or del,
 * flush): the lines of other VIPs may come between, which changes nothing
 * since changes to different VIPs commute. At most LBNL_VIP_DESTS_MAX
 * dests a change: more start another group.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/lbnl.h>

#include "json_print.h"
#include "lbnl.h"
#include "util.h"

#define MAX_WORDS 64

/* save ----------------------------------------------------------------- */

static void save_vip(const struct config *cfg, const struct lbu_vip *vip)
{
	const struct lbu_dest *const *dests;
	size_t i, n = config_dests_of(cfg, &vip->key, &dests);

	print_text("vip add ");
	print_vip_key(&vip->key);
	print_vip_settings(vip);
	print_nl();
	for (i = 0; i < n; i++) {
		print_text("dest add ");
		print_vip_key(&vip->key);
		print_text(" ");
		print_dest(dests[i]);
		print_nl();
	}
}

static int run_save(int argc, char **argv)
{
	struct lbnl_nl *nl;
	struct config cfg;
	size_t i;
	int err;

	if (expect_no_args(argc, argv))
		return EXIT_USAGE;
	nl = cli_nl_open();
	if (!nl)
		return EXIT_FAIL;
	err = config_fetch(nl, NULL, &cfg);
	if (err) {
		report_error(nl, LBNL_OP_VIP_GET, err, "");
		lbnl_nl_close(nl);
		return EXIT_FAIL;
	}
	json_print_init(stdout, false, false);	/* commands, even with -j */
	for (i = 0; i < cfg.vips.count; i++)
		save_vip(&cfg, &cfg.vips.vips[i]);
	config_free(&cfg);
	lbnl_nl_close(nl);
	return EXIT_OK;
}

/* restore: parsing -------------------------------------------------------- */

struct batch_line *batch_add(struct batch *b)
{
	struct batch_line *p = lbnl_grow_array(b->lines, &b->cap, b->count + 1,
					 sizeof(*p));

	if (!p)
		return NULL;
	b->lines = p;
	memset(&b->lines[b->count], 0, sizeof(b->lines[0]));
	return &b->lines[b->count++];
}

/* Split at blanks; "#" starts a comment. Returns the word count or -1. */
static int split_words(char *text, char **words)
{
	char *save, *w;
	int n = 0;

	text[strcspn(text, "#")] = '\0';
	for (w = strtok_r(text, " \t\r\n", &save); w;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_WORDS)
			return -1;
		words[n++] = w;
	}
	return n;
}

/* One command line of a restore file into req; usage_error() if bad. */
static int parse_words(int argc, char **argv, struct request *req)
{
	const struct object *obj;
	const struct cmd *cmd;
	bool implicit;

	if (argc && !strcmp(argv[0], "lbnl"))
		argc--, argv++;
	if (!argc)
		return usage_error("missing command");
	obj = find_object(argv[0]);
	if (!obj)
		return usage_error("unknown object '%s'", argv[0]);
	argc--, argv++;
	if (obj->cmds[0].name) {
		if (!argc)
			return usage_error("missing command after '%s'",
					   obj->name);
		cmd = resolve_cmd(obj, argv[0], &implicit);
		if (!cmd)
			return usage_error("unknown command '%s %s'",
					   obj->name, argv[0]);
		if (!implicit)
			argc--, argv++;
	} else {
		cmd = &obj->cmds[0];
	}
	if (!cmd->parse)
		return usage_error("'%s%s%s' cannot be restored (only vip and dest add, set and del, and flush can)",
				   obj->name, cmd->name ? " " : "",
				   cmd->name ? cmd->name : "");
	return cmd->parse(argc, argv, req);
}

FILE *input_open(const char *path)
{
	FILE *fp;

	if (!strcmp(path, "-"))
		return stdin;
	fp = fopen(path, "r");
	if (!fp)
		fprintf(stderr, "Error: cannot open '%s': %s\n", path,
			strerror(errno));
	return fp;
}

void input_close(FILE *fp)
{
	if (fp != stdin)
		fclose(fp);
}

/* Every line, or EXIT_USAGE after reporting the first bad one. */
int batch_read(FILE *fp, struct batch *b)
{
	char *text = NULL, *words[MAX_WORDS];
	unsigned int number = 0;
	struct batch_line *line;
	size_t size = 0;
	int n, ret = EXIT_OK;

	while (getline(&text, &size, fp) >= 0) {
		number++;
		n = split_words(text, words);
		if (n == 0)
			continue;
		if (n < 0) {
			ret = usage_error("too many words (at most %d)",
					  MAX_WORDS);
		} else if (!(line = batch_add(b))) {
			fprintf(stderr, "Error: out of memory\n");
			ret = EXIT_FAIL;
		} else {
			line->number = number;
			ret = parse_words(n, words, &line->req);
		}
		if (ret != EXIT_OK)
			break;
	}
	if (ret == EXIT_USAGE)
		fprintf(stderr, "Error: line %u: %s\n", number,
			usage_error_take());
	if (ret == EXIT_OK && ferror(fp)) {
		fprintf(stderr, "Error: cannot read input: %s\n",
			strerror(errno));
		ret = EXIT_FAIL;
	}
	free(text);
	return ret;
}

int restore_parse_line(char *text, struct request *req, bool *empty)
{
	char *words[MAX_WORDS];
	int n = split_words(text, words);

	*empty = n == 0;
	if (n < 0)
		return usage_error("too many words (at most %d)", MAX_WORDS);
	return n ? parse_words(n, words, req) : EXIT_OK;
}

/* restore: applying ------------------------------------------------------ */

static void rollback(struct journal *j, struct lbnl_nl *nl,
		     unsigned int failed_line)
{
	size_t failed;

	if (!journal_size(j))
		return;
	failed = journal_rollback(j, nl);
	if (failed)
		fprintf(stderr, "Warning: rollback incomplete, %zu change(s) could not be undone\n",
			failed);
	else if (failed_line)
		fprintf(stderr, "Rolled back the changes made before line %u\n",
			failed_line);
	else
		fprintf(stderr, "Rolled back the changes made before it\n");
}

/* Does a line change the VIP key names, other than by adding a dest? */
static bool touches(const struct request *req, const struct lbu_vip_key *key)
{
	switch (req->op) {
	case LBNL_OP_FLUSH:
		return true;
	case LBNL_OP_VIP_ADD:
	case LBNL_OP_VIP_SET:
	case LBNL_OP_VIP_DEL:
		return lbnl_vip_key_equal(&req->vip.key, key);
	default:
		return lbnl_vip_key_equal(&req->dest.vip, key);
	}
}

/*
 * The change that starts at line i (not taken yet): a "vip add" or a "dest
 * add" with the later "dest add" lines of that VIP (see the top), taken[]
 * marking them; dests[] gets them, lines[] their indexes. Other lines go
 * alone. Returns the number of dests grouped (0: line i alone).
 */
static size_t group(const struct batch *b, size_t i, bool *taken,
		    struct lbu_dest *dests, size_t *lines)
{
	const struct request *first = &b->lines[i].req, *req;
	const struct lbu_vip_key *key;
	size_t k, n = 0;

	if (first->op == LBNL_OP_VIP_ADD) {
		key = &first->vip.key;
	} else if (first->op == LBNL_OP_DEST_ADD) {
		key = &first->dest.vip;
		lines[n] = i;
		dests[n++] = first->dest;
	} else {
		return 0;
	}
	for (k = i + 1; k < b->count && n < LBNL_VIP_DESTS_MAX; k++) {
		req = &b->lines[k].req;
		if (taken[k])
			continue;
		if (req->op == LBNL_OP_DEST_ADD &&
		    lbnl_vip_key_equal(&req->dest.vip, key)) {
			taken[k] = true;
			lines[n] = k;
			dests[n++] = req->dest;
		} else if (touches(req, key)) {
			break;
		}
	}
	/* One dest added alone: the plain DEST_NEW of its line. */
	if (first->op == LBNL_OP_DEST_ADD && n == 1)
		return 0;
	return n;
}

/*
 * Apply every line, a VIP with its dests at once (see the top); if one
 * fails, undo what the others did.
 */
int batch_apply(struct lbnl_nl *nl, const struct batch *b)
{
	struct journal *j = journal_new();
	bool *taken = calloc(b->count, sizeof(*taken));
	size_t *lines = calloc(LBNL_VIP_DESTS_MAX, sizeof(*lines));
	struct lbu_dest *dests = calloc(LBNL_VIP_DESTS_MAX, sizeof(*dests));
	const struct batch_line *line = NULL;
	struct request req;
	char prefix[64];
	size_t i, n, bad;
	int err = 0;

	if (!j || !taken || !lines || !dests) {
		fprintf(stderr, "Error: out of memory\n");
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < b->count && !err; i++) {
		if (taken[i])
			continue;
		taken[i] = true;
		line = &b->lines[i];
		n = group(b, i, taken, dests, lines);
		req = line->req;
		if (req.op == LBNL_OP_DEST_ADD && n) {
			req = (struct request){ .op = LBNL_OP_VIP_SET };
			req.vip.key = line->req.dest.vip;
		}
		req.dests = dests;
		req.ndests = n;
		err = journal_apply(j, nl, &req, line->number, &bad);
		/* The line of the dest the kernel named, if it named one. */
		if (err && bad < n) {
			line = &b->lines[lines[bad]];
		}
	}
	if (err) {
		if (line->number)
			snprintf(prefix, sizeof(prefix), "line %u: ",
				 line->number);
		else
			snprintf(prefix, sizeof(prefix),
				 "removing what the file lacks: ");
		report_error(nl, line->req.op, err, prefix);
		rollback(j, nl, line->number);
	}
out:
	journal_free(j);
	free(taken);
	free(lines);
	free(dests);
	return err ? EXIT_FAIL : EXIT_OK;
}

static int run_restore(int argc, char **argv)
{
	const char *path = argc ? argv[0] : "-";
	struct batch b = { NULL, 0, 0 };
	struct lbnl_nl *nl;
	FILE *fp;
	int ret;

	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	fp = input_open(path);
	if (!fp)
		return EXIT_FAIL;
	ret = batch_read(fp, &b);
	input_close(fp);
	if (ret == EXIT_OK && b.count) {
		nl = cli_nl_open();
		ret = nl ? batch_apply(nl, &b) : EXIT_FAIL;
		lbnl_nl_close(nl);
	}
	free(b.lines);
	return ret;
}

const struct cmd save_cmds[] = {
	{ NULL, "", "Print the configuration as commands for \"lbnl restore\"",
	  run_save, NULL },
	{ 0 },
};

const struct cmd restore_cmds[] = {
	{ NULL, "[FILE]",
	  "Apply the commands in FILE (default: standard input), all or none",
	  run_restore, NULL },
	{ 0 },
};
