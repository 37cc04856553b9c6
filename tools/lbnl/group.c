// SPDX-License-Identifier: GPL-2.0
/*
 * lbnl group: the configuration of an active-active group of LBs, kept in
 * etcd (lib/group_store.h has the store's layout), and what each LB's
 * lbnld says of it.
 *
 *	lbnl group load FILE    replace the group's configuration with FILE
 *	lbnl group save         print it, "# revision N" first
 *	lbnl group status       each LB's applied revision, error, age
 *
 * The store: the "group etcd URL ..." line of /etc/lbnl/group.conf
 * (LBNL_GROUP_CONF names another file), its URL replaced by $LBNL_STORE
 * if set, then by --store URL, its prefix by --prefix P: the command line
 * over the environment over the file.
 *
 * load parses FILE with restore's parser (restore_parse_line()) and
 * takes only "vip add" and "dest add" lines, each dest's VIP added by an
 * earlier line, of its VIP's address family and with a weight in range
 * (the module's rules, which a local restore leaves to it); nothing is
 * written if one line is wrong. Then it reads the VIP keys in the store
 * (at revision R) and writes one transaction: every
 * VIP's value put, the keys of VIPs FILE does not have deleted, on the
 * condition that nothing under P/vips/ changed after R (another load in
 * between: read again and retry).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/lbnl.h>

#include "group_store.h"
#include "json_print.h"
#include "lbnl.h"
#include "names.h"
#include "util.h"

#define TXN_TRIES	5

/* The store ---------------------------------------------------------------- */

/* Takes --store URL and --prefix P out of argv, then -j and -p. */
static int group_options(int *argc, char **argv, struct lbnl_group_conf *c)
{
	const char *path = getenv("LBNL_GROUP_CONF") ?: LBNL_GROUP_CONF_PATH;
	const char *store = getenv("LBNL_STORE"), *prefix = NULL;
	char err[LBNL_ETCD_PATH_MAX + 128];
	int i, n = 0, ret;

	if (store && !store[0])
		store = NULL;
	for (i = 0; i < *argc; i++) {
		if (!strcmp(argv[i], "--store") || !strcmp(argv[i], "--prefix")) {
			if (i + 1 == *argc)
				return usage_error("option '%s' needs a value",
						   argv[i]);
			if (argv[i][2] == 's')
				store = argv[++i];
			else
				prefix = argv[++i];
			continue;
		}
		argv[n++] = argv[i];
	}
	*argc = n;
	if (take_output_options(argc, argv))
		return EXIT_USAGE;

	lbnl_group_conf_init(c);
	ret = lbnl_group_conf_load(path, c, err, sizeof(err));
	if (ret && ret != -ENOENT) {
		fprintf(stderr, "Error: %s\n", err);
		return EXIT_FAIL;
	}
	if (store || prefix) {
		/* The file's TLS files and name stay; URL and prefix go. */
		char *words[] = { "etcd", (char *)(store ?: c->etcd.url),
				  "prefix", (char *)(prefix ?: c->prefix) };
		struct lbnl_group_conf over = *c;

		if (lbnl_group_conf_parse(4, words, &over, err, sizeof(err))) {
			fprintf(stderr, "Error: %s%s\n",
				store ? "" : "no store: ", err);
			return store ? EXIT_USAGE : EXIT_FAIL;
		}
		over.etcd.url[sizeof(over.etcd.url) - 1] = '\0';
		*c = over;
	}
	if (!c->etcd.url[0]) {
		fprintf(stderr, "Error: no store: --store URL, LBNL_STORE, or a \"group etcd URL\" line in %s\n",
			path);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static struct lbnl_etcd *store_open(const struct lbnl_group_conf *c)
{
	struct lbnl_etcd *e;

	if (lbnl_etcd_open(&c->etcd, &e)) {
		fprintf(stderr, "Error: out of memory\n");
		return NULL;
	}
	return e;
}

/* The configuration at revision (0: the latest); *text malloc'ed. */
static int read_config(struct lbnl_etcd *e, const struct lbnl_group_conf *c,
		       int64_t revision, char **text, int64_t *read_at,
		       char *err, size_t errlen)
{
	char prefix[LBNL_GROUP_PREFIX_MAX + 16];
	struct lbnl_etcd_kvs kvs;
	int ret;

	lbnl_group_key(c, "vips", NULL, prefix, sizeof(prefix));
	ret = lbnl_etcd_range(e, prefix, true, revision, &kvs, err, errlen);
	if (ret)
		return ret;
	*text = lbnl_group_config_text(&kvs);
	if (read_at)
		*read_at = kvs.revision;
	lbnl_etcd_kvs_free(&kvs);
	if (!*text) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* load: the file ----------------------------------------------------------- */

/* One VIP of the file: its store key and its lines. */
struct group_vip {
	struct lbu_vip_key key;
	char name[LBNL_ADDRPORTSTRLEN + 8];	/* 192.0.2.1:80-tcp */
	unsigned int line;			/* of its vip add */
	char *text;
	size_t len;
	unsigned int ndests;
};

struct group_file {
	struct group_vip *vips;
	size_t count, cap;
};

static void group_file_free(struct group_file *f)
{
	size_t i;

	for (i = 0; i < f->count; i++)
		free(f->vips[i].text);
	free(f->vips);
}

static struct group_vip *find_vip(struct group_file *f,
				  const struct lbu_vip_key *key)
{
	size_t i;

	for (i = 0; i < f->count; i++)
		if (lbnl_vip_key_equal(&f->vips[i].key, key))
			return &f->vips[i];
	return NULL;
}

/* The line's words, one blank between them, then a newline. */
static int append_line(struct group_vip *v, const char *line)
{
	size_t n = strlen(line);
	char *p = realloc(v->text, v->len + n + 2);
	const char *w;
	bool blank = false;

	if (!p)
		return -ENOMEM;
	v->text = p;
	for (w = line; *w; w++) {
		if (*w == '#' || *w == '\n' || *w == '\r')
			break;
		if (*w == ' ' || *w == '\t') {
			blank = true;
			continue;
		}
		if (blank && v->text[v->len - 1] != '\n')
			v->text[v->len++] = ' ';
		blank = false;
		v->text[v->len++] = *w;
	}
	v->text[v->len++] = '\n';
	v->text[v->len] = '\0';
	return 0;
}

static int add_vip(struct group_file *f, const struct request *req,
		   unsigned int number)
{
	struct group_vip *v = find_vip(f, &req->vip.key), *p;
	char addr[LBNL_ADDRPORTSTRLEN];

	if (v)
		return usage_error("VIP added twice (line %u first)", v->line);
	p = lbnl_grow_array(f->vips, &f->cap, f->count + 1, sizeof(*p));
	if (!p)
		return EXIT_FAIL;
	f->vips = p;
	v = &f->vips[f->count++];
	memset(v, 0, sizeof(*v));
	v->key = req->vip.key;
	v->line = number;
	lbnl_format_addr_port(&v->key.addr, v->key.port, addr, sizeof(addr));
	snprintf(v->name, sizeof(v->name), "%s-%s", addr,
		 lbnl_name(&lbnl_proto_names, v->key.proto) ?: "?");
	return EXIT_OK;
}

/*
 * Every line of fp, as restore parses it, into f; EXIT_USAGE after
 * saying which line is wrong and why.
 */
static int read_group_file(FILE *fp, struct group_file *f)
{
	char *text = NULL, *copy = NULL;
	unsigned int number = 0;
	struct group_vip *v;
	struct request req;
	size_t size = 0;
	bool empty;
	int ret = EXIT_OK;

	while (ret == EXIT_OK && getline(&text, &size, fp) >= 0) {
		number++;
		free(copy);
		copy = strdup(text);
		if (!copy) {
			ret = EXIT_FAIL;
			break;
		}
		memset(&req, 0, sizeof(req));
		ret = restore_parse_line(text, &req, &empty);
		if (ret != EXIT_OK || empty)
			continue;
		if (req.op == LBNL_OP_VIP_ADD) {
			ret = add_vip(f, &req, number);
			v = ret == EXIT_OK ? &f->vips[f->count - 1] : NULL;
		} else if (req.op == LBNL_OP_DEST_ADD) {
			v = find_vip(f, &req.dest.vip);
			if (!v)
				ret = usage_error("a dest of a VIP no earlier line adds");
			else if (req.dest.addr.family != v->key.addr.family)
				ret = usage_error("dest address family must match the VIP's (as the module requires)");
			else if (req.dest.weight > LBNL_DEST_WEIGHT_MAX)
				ret = usage_error("weight %u out of range (0..%u, as the module requires)",
						  req.dest.weight,
						  LBNL_DEST_WEIGHT_MAX);
			else if (++v->ndests > LBNL_VIP_DESTS_MAX)
				ret = usage_error("more than %u dests for one VIP",
						  LBNL_VIP_DESTS_MAX);
		} else {
			v = NULL;
			ret = usage_error("only \"vip add\" and \"dest add\" lines make a group's configuration");
		}
		if (ret == EXIT_OK && append_line(v, copy))
			ret = EXIT_FAIL;
	}
	if (ret == EXIT_USAGE)
		fprintf(stderr, "Error: line %u: %s\n", number,
			usage_error_take());
	else if (ret == EXIT_FAIL)
		fprintf(stderr, "Error: out of memory\n");
	else if (ferror(fp)) {
		fprintf(stderr, "Error: cannot read input: %s\n",
			strerror(errno));
		ret = EXIT_FAIL;
	}
	free(text);
	free(copy);
	return ret;
}

/* load: the store ---------------------------------------------------------- */

static bool file_has(const struct group_file *f, const char *prefix,
		     const char *key)
{
	size_t i, n = strlen(prefix);

	if (strncmp(key, prefix, n))
		return false;
	for (i = 0; i < f->count; i++)
		if (!strcmp(key + n, f->vips[i].name))
			return true;
	return false;
}

/* One try: 1 if the guard failed (something changed since the read). */
static int write_group(struct lbnl_etcd *e, const struct lbnl_group_conf *c,
		       const struct group_file *f, int64_t *revision,
		       char *err, size_t errlen)
{
	char prefix[LBNL_GROUP_PREFIX_MAX + 16], key[LBNL_GROUP_PREFIX_MAX + 64];
	struct lbnl_etcd_txn *t = NULL;
	struct lbnl_etcd_kvs kvs;
	bool done = false;
	size_t i;
	int ret;

	lbnl_group_key(c, "vips", NULL, prefix, sizeof(prefix));
	ret = lbnl_etcd_range(e, prefix, true, 0, &kvs, err, errlen);
	if (ret)
		return ret;
	ret = lbnl_etcd_txn_new(&t);
	if (!ret)
		ret = lbnl_etcd_txn_guard(t, prefix, kvs.revision + 1);
	for (i = 0; !ret && i < kvs.count; i++)
		if (!file_has(f, prefix, kvs.kv[i].key))
			ret = lbnl_etcd_txn_delete(t, kvs.kv[i].key);
	for (i = 0; !ret && i < f->count; i++) {
		lbnl_group_key(c, "vips", f->vips[i].name, key, sizeof(key));
		ret = lbnl_etcd_txn_put(t, key, f->vips[i].text, f->vips[i].len);
	}
	if (ret)
		snprintf(err, errlen, "out of memory");
	else
		ret = lbnl_etcd_txn_commit(e, t, &done, revision, err, errlen);
	if (!ret && !done)
		ret = 1;
	lbnl_etcd_txn_free(t);
	lbnl_etcd_kvs_free(&kvs);
	return ret;
}

static int run_load(int argc, char **argv)
{
	struct group_file f = { NULL, 0, 0 };
	char err[LBNL_ETCD_PATH_MAX + 128];
	struct lbnl_group_conf c;
	struct lbnl_etcd *e;
	int64_t revision = 0;
	const char *path;
	FILE *fp;
	int ret, tries;

	ret = group_options(&argc, argv, &c);
	if (ret)
		return ret;
	if (argc != 1)
		return usage_error(argc ? "unexpected argument '%s'" :
				   "missing FILE%s", argc ? argv[1] : "");
	path = argv[0];
	fp = input_open(path);
	if (!fp)
		return EXIT_FAIL;
	ret = read_group_file(fp, &f);
	input_close(fp);
	if (ret) {
		group_file_free(&f);
		return ret;
	}
	e = store_open(&c);
	ret = e ? 1 : -ENOMEM;
	for (tries = 0; ret == 1 && tries < TXN_TRIES; tries++)
		ret = write_group(e, &c, &f, &revision, err, sizeof(err));
	if (ret == 1)
		snprintf(err, sizeof(err), "the group's configuration changed %d times while being replaced: nothing written",
			 TXN_TRIES);
	if (ret && e)
		fprintf(stderr, "Error: %s\n", err);
	else if (!ret)
		printf("revision %" PRId64 ": %zu VIPs\n", revision, f.count);
	lbnl_etcd_close(e);
	group_file_free(&f);
	return ret ? EXIT_FAIL : EXIT_OK;
}

/* save ---------------------------------------------------------------------- */

static int run_save(int argc, char **argv)
{
	char err[LBNL_ETCD_PATH_MAX + 128], *text = NULL;
	struct lbnl_group_conf c;
	struct lbnl_etcd *e;
	int64_t revision = 0;
	int ret;

	ret = group_options(&argc, argv, &c);
	if (ret)
		return ret;
	if (expect_no_args(argc, argv))
		return EXIT_USAGE;
	e = store_open(&c);
	if (!e)
		return EXIT_FAIL;
	ret = read_config(e, &c, 0, &text, &revision, err, sizeof(err));
	lbnl_etcd_close(e);
	if (ret) {
		fprintf(stderr, "Error: %s\n", err);
		return EXIT_FAIL;
	}
	json_print_init(stdout, opts.json, opts.pretty);
	open_json_object(NULL);
	print_u64(PRINT_ANY, "revision", "# revision %" PRIu64 "\n",
		  (uint64_t)revision);
	print_string(PRINT_ANY, "configuration", "%s", text);
	close_json_object();
	free(text);
	return EXIT_OK;
}

/* status --------------------------------------------------------------------- */

/* Seconds since an ISO 8601 UTC time; -1 if it is not one. */
static long long age_of(const char *iso)
{
	struct tm tm = { 0 };
	const char *end = strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm);

	if (!end || *end)
		return -1;
	return (long long)(time(NULL) - timegm(&tm));
}

/*
 * Does the LB run the latest configuration? It read its own at st->revision:
 * the same text as the latest's, or not. -ERANGE: compacted, not known.
 */
static int is_current(struct lbnl_etcd *e, const struct lbnl_group_conf *c,
		      const struct lbnl_group_status *st, const char *latest,
		      bool *current, char *err, size_t errlen)
{
	char *text = NULL;
	int ret;

	*current = false;
	if (!st->applied || st->revision <= 0)
		return 0;
	ret = read_config(e, c, st->revision, &text, NULL, err, errlen);
	if (ret)
		return ret;
	*current = !strcmp(text, latest);
	free(text);
	return 0;
}

static int run_status(int argc, char **argv)
{
	char err[LBNL_ETCD_PATH_MAX + 128], prefix[LBNL_GROUP_PREFIX_MAX + 16];
	struct lbnl_etcd_kvs kvs = { 0 };
	struct lbnl_group_status st;
	struct lbnl_group_conf c;
	char *latest = NULL;
	struct lbnl_etcd *e;
	int64_t revision;
	bool current, all_good;
	size_t i;
	int ret;

	ret = group_options(&argc, argv, &c);
	if (ret)
		return ret;
	if (expect_no_args(argc, argv))
		return EXIT_USAGE;
	e = store_open(&c);
	if (!e)
		return EXIT_FAIL;
	lbnl_group_key(&c, "status", NULL, prefix, sizeof(prefix));
	ret = read_config(e, &c, 0, &latest, &revision, err, sizeof(err));
	if (!ret)
		ret = lbnl_etcd_range(e, prefix, true, 0, &kvs, err,
				      sizeof(err));
	if (ret) {
		fprintf(stderr, "Error: %s\n", err);
		lbnl_etcd_close(e);
		free(latest);
		return EXIT_FAIL;
	}
	all_good = kvs.count > 0;
	json_print_init(stdout, opts.json, opts.pretty);
	open_json_object(NULL);
	print_u64(PRINT_ANY, "revision", "revision %" PRIu64 "\n",
		  (uint64_t)revision);
	open_json_array("lbs");
	for (i = 0; i < kvs.count; i++) {
		const char *name = kvs.kv[i].key + strlen(prefix);

		if (lbnl_group_status_parse(kvs.kv[i].value, &st)) {
			fprintf(stderr, "Warning: %s: a status that is not JSON\n",
				kvs.kv[i].key);
			all_good = false;
			continue;
		}
		ret = is_current(e, &c, &st, latest, &current, err,
				 sizeof(err));
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "%s", name);
		print_u64(PRINT_ANY, "revision", " revision %" PRIu64,
			  (uint64_t)st.revision);
		print_bool(PRINT_JSON, "applied", NULL, st.applied);
		print_string(PRINT_FP, NULL, " %s",
			     st.applied ? "applied" : "refused");
		if (st.applied_revision && !st.applied)
			print_u64(PRINT_ANY, "applied_revision",
				  " running %" PRIu64,
				  (uint64_t)st.applied_revision);
		print_bool(PRINT_JSON, "current", NULL, current);
		if (!current)
			print_string(PRINT_FP, NULL, "%s", ret == -ERANGE ?
				     " unknown (compacted)" : " behind");
		print_u64(PRINT_ANY, "age_s", " age %" PRIu64 "s",
			  (uint64_t)(age_of(st.time) < 0 ? 0 : age_of(st.time)));
		print_string(PRINT_JSON, "time", NULL, st.time);
		if (st.error[0])
			print_string(PRINT_ANY, "error", " error: %s",
				     st.error);
		print_nl();
		close_json_object();
		if (!current || st.error[0])
			all_good = false;
	}
	close_json_array();
	close_json_object();
	if (!kvs.count && !opts.json)
		fprintf(stderr, "No LB reports a status under %s\n", prefix);
	lbnl_etcd_kvs_free(&kvs);
	lbnl_etcd_close(e);
	free(latest);
	return all_good ? EXIT_OK : EXIT_FAIL;
}

#define STORE_ARGS "[--store URL] [--prefix P]"

const struct cmd group_cmds[] = {
	{ "status", "[-j [-p]] " STORE_ARGS,
	  "Print each LB's status in the group's store: the revision it read,\n"
	  "applied or refused (and why), and its age; exit 1 if one is behind\n"
	  "the latest configuration or in error", run_status, NULL },
	{ "load", STORE_ARGS " FILE",
	  "Replace the group's configuration in its store with FILE (\"vip add\"\n"
	  "and \"dest add\" lines as \"lbnl save\" prints them; - is standard\n"
	  "input), all or none, in one transaction", run_load, NULL },
	{ "save", "[-j [-p]] " STORE_ARGS,
	  "Print the group's configuration, \"# revision N\" first", run_save,
	  NULL },
	{ 0 },
};
