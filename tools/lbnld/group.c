// SPDX-License-Identifier: GPL-2.0
/*
 * lbnld's group mode: the LB runs the configuration of its LB group's
 * store (group_store.h: "group etcd URL ..." in lbnld.conf), and says in
 * the store what it runs.
 *
 * A thread of its own reads the whole P/vips/ range every 200 ms. It
 * polls rather than watch: each read is a complete, consistent copy of
 * the configuration at one revision, so there is no stream to reconnect,
 * no compacted start revision to recover from and no quiet stream to tell
 * from a dead one; a change costs at most 200 ms more, and a read of a
 * few VIPs' lines is cheap for etcd. When the text at a new revision
 * differs from the one last tried, it is written to a file and applied by
 * "lbnl sync FILE" (run as ready.c runs "lbnl restore": the CLI is the one
 * parser of that format): all or nothing, so a revision the module refuses
 * (sync's exit 1) or that does not parse (exit 2) leaves the LB running
 * its last good one, and the refusal is reported with sync's reason.
 *
 * Its status, P/status/NAME, is put under a lease (LBNL_GROUP_STATUS_TTL)
 * when it changes and every 3 s (the lease kept alive at the same time,
 * granted again once expired): the revision read last, whether the LB
 * runs that revision's configuration, the last revision it ran that
 * configuration at, and the refusal's reason. "lbnl group status" reads
 * it (lbnl_group_status_json() and _parse() are the one format).
 *
 * With the store unreachable the LB keeps running what it last applied;
 * that is logged once, and once more when the store answers again (its
 * status is put again then, under a new lease if the old one expired).
 *
 * A new module instance (lbnld_group_new_instance(): lbnld connected to a
 * reloaded module) gets the routable tags' key (tag-key-file) and the
 * configuration applied again; until a revision is applied to it,
 * lbnld_group_applied() is false and ready.c holds its routes.
 *
 * A revision that was not applied is tried again every
 * LBNLD_GROUP_RETRY_MS (what failed may have been this LB's: a limit of
 * its own, a CLI that timed out). Meanwhile the other LBs' statuses are
 * read: if one of them runs that revision or a later one, this LB is
 * behind the group (lbnld_group_lagging()) and lbnld withdraws its routes
 * until it catches up: the router sends the VIPs to the LBs that run the
 * group's configuration, and a flow never meets an LB that chooses
 * otherwise. A revision no LB could apply withdraws none: each runs its
 * last good one. With the store unreachable nothing can be compared: the
 * LB stays as it is.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "group.h"

#define STORE_TIMEOUT_MS	1000	/* per request to the store */

struct lbnld_group {
	struct lbnl_group_conf store;
	char cli[PATH_MAX];
	char state_dir[PATH_MAX];
	char tag_key_file[PATH_MAX];	/* "": none */
	char name[LBNL_GROUP_NAME_MAX];
	char status_key[LBNL_GROUP_PREFIX_MAX + LBNL_GROUP_NAME_MAX + 16];
	char status_prefix[LBNL_GROUP_PREFIX_MAX + 16];
	char vips_prefix[LBNL_GROUP_PREFIX_MAX + 16];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;			/* under lock */
	/*
	 * Module instances: lbnld_group_new_instance() counts them, the
	 * thread notes the one it applied a revision to.
	 */
	atomic_uint instance;
	atomic_uint applied_instance;	/* UINT_MAX: none yet */
	atomic_bool lagging;		/* another LB runs what this one could not */
	unsigned int seen_instance;	/* the thread's: the last one synced */
	/* The thread's own: */
	struct lbnl_etcd *etcd;
	char *tried;			/* the text last applied or refused */
	bool tried_ok;
	long long next_retry;		/* monotonic ms: the text tried again */
	int64_t text_revision;		/* the last change of a VIP's value */
	struct lbnl_group_status status;
	bool status_changed;		/* to be put now */
	int64_t lease;			/* 0: none */
	long long next_refresh;		/* monotonic ms */
	bool store_down;		/* said so in the log */
};

/* The text to a file of the state directory, then "lbnl sync FILE". */
static int apply_text(struct lbnld_group *g, const char *text,
		      struct lbnld_run_result *res)
{
	char path[PATH_MAX + 32];
	const char *args[] = { g->cli, "sync", path, NULL };
	size_t len = strlen(text);
	FILE *fp;
	int fd, err;

	snprintf(path, sizeof(path), "%s/group-XXXXXX", g->state_dir);
	fd = mkstemp(path);
	if (fd < 0) {
		err = -errno;
		snprintf(res->reason, sizeof(res->reason),
			 "lbnld cannot write %.300s: %s", path, strerror(-err));
		res->exit_status = -1;
		return err;
	}
	fp = fdopen(fd, "w");
	if (!fp || fwrite(text, 1, len, fp) != len || fclose(fp)) {
		err = -errno;
		if (!fp)
			close(fd);
		unlink(path);
		snprintf(res->reason, sizeof(res->reason),
			 "lbnld cannot write %.300s: %s", path, strerror(-err));
		res->exit_status = -1;
		return err;
	}
	err = lbnld_run_result("group:", args, LBNLD_CLI_TIMEOUT,
			       "lbnld's limit for the CLI", res);
	unlink(path);
	return err;
}

/*
 * A module instance this thread has not configured yet (a new one, or
 * lbnld just started) gets the routable tags' key first: the revision's
 * dests name their tag ids, and an association this LB takes over from
 * another one is found by its tag. The key is never in the store (nor in
 * "lbnl save"): it is the host's, tag-key-file.
 */
static int set_tag_key(struct lbnld_group *g, struct lbnld_run_result *res)
{
	const char *args[] = { g->cli, "tag", "set", "key-file",
			       g->tag_key_file, NULL };

	return lbnld_run_result("group:", args, LBNLD_CLI_TIMEOUT,
				"lbnld's limit for the CLI", res);
}

/*
 * A new text (or the same one for a new module instance, or again after a
 * failure: retry): apply it.
 */
static void apply_revision(struct lbnld_group *g, char *text,
			   int64_t revision, unsigned int instance, bool retry)
{
	struct lbnld_run_result res;
	struct lbnl_group_status *st = &g->status;
	char error[sizeof(st->error)];
	int err;

	err = 0;
	if (g->tag_key_file[0] && instance != atomic_load(&g->applied_instance))
		err = set_tag_key(g, &res);
	if (!err)
		err = apply_text(g, text, &res);
	free(g->tried);
	g->tried = text;
	g->tried_ok = !err;
	g->next_retry = lbnld_now_ms() + LBNLD_GROUP_RETRY_MS;
	st->revision = revision;
	st->applied = !err;
	g->status_changed = true;
	if (!err) {
		st->applied_revision = revision;
		st->error[0] = '\0';
		atomic_store(&g->applied_instance, instance);
		lbnl_log(LOG_NOTICE, "group: revision %lld applied",
			  (long long)revision);
		return;
	}
	snprintf(error, sizeof(error), "revision %lld %s: %.400s",
		 (long long)revision,
		 res.exit_status == 1 ? "refused by the module" :
		 res.exit_status == 2 ? "is not a valid configuration" :
		 "not applied", res.reason[0] ? res.reason : strerror(-err));
	/* The same failure again is not news. */
	lbnl_log(retry && !strcmp(error, st->error) ? LOG_DEBUG : LOG_ERR,
		 "group: %s; revision %lld still runs (tried again every %d s)",
		 error, (long long)st->applied_revision,
		 LBNLD_GROUP_RETRY_MS / 1000);
	memcpy(st->error, error, sizeof(st->error));
}

/*
 * After a revision this LB could not apply: is another LB running it (or
 * a later one)? Then this LB is behind the group.
 */
static void check_lag(struct lbnld_group *g)
{
	struct lbnl_etcd_kvs kvs = { 0 };
	char err[LBNL_ETCD_PATH_MAX + 128];
	struct lbnl_group_status peer;
	bool was = atomic_load(&g->lagging);
	const char *ahead = NULL;
	size_t i;

	if (g->tried_ok) {
		if (was)
			lbnl_log(LOG_NOTICE, "group: revision %lld applied: this LB serves again",
				  (long long)g->status.applied_revision);
		atomic_store(&g->lagging, false);
		return;
	}
	if (lbnl_etcd_range(g->etcd, g->status_prefix, true, 0, &kvs, err,
			    sizeof(err)))
		return;		/* nothing to compare: as it was */
	for (i = 0; i < kvs.count && !ahead; i++) {
		if (!strcmp(kvs.kv[i].key, g->status_key) ||
		    lbnl_group_status_parse(kvs.kv[i].value, &peer))
			continue;
		if (peer.applied && peer.revision >= g->text_revision)
			ahead = kvs.kv[i].key + strlen(g->status_prefix);
	}
	if (ahead && !was)
		lbnl_log(LOG_WARNING, "group: LB %s runs revision %lld or later, which this LB could not apply: it withdraws until it does",
			  ahead, (long long)g->text_revision);
	else if (!ahead && was)
		lbnl_log(LOG_NOTICE, "group: no other LB runs a later revision: this LB serves again (revision %lld)",
			  (long long)g->status.applied_revision);
	atomic_store(&g->lagging, ahead != NULL);
	lbnl_etcd_kvs_free(&kvs);
}

/* One read of the configuration; false if the store did not answer. */
static bool follow(struct lbnld_group *g)
{
	struct lbnl_etcd_kvs kvs = { 0 };
	char err[LBNL_ETCD_PATH_MAX + 128];
	unsigned int instance;
	char *text;
	size_t i;

	if (lbnl_etcd_range(g->etcd, g->vips_prefix, true, 0, &kvs, err,
			    sizeof(err))) {
		if (!g->store_down)
			lbnl_log(LOG_WARNING, "group: %s: running revision %lld as it is until the store answers",
				  err, (long long)g->status.applied_revision);
		g->store_down = true;
		return false;
	}
	if (g->store_down) {
		lbnl_log(LOG_NOTICE, "group: the store answers again (revision %lld)",
			  (long long)kvs.revision);
		g->status_changed = true;	/* said again at once */
	}
	g->store_down = false;
	/*
	 * The revision the text last changed at, but for deletions: an LB
	 * that read at it or later and applied has this text (or a newer).
	 */
	g->text_revision = 0;
	for (i = 0; i < kvs.count; i++)
		if (kvs.kv[i].mod_revision > g->text_revision)
			g->text_revision = kvs.kv[i].mod_revision;
	text = lbnl_group_config_text(&kvs);
	if (!text) {
		lbnl_log(LOG_ERR, "group: out of memory");
		lbnl_etcd_kvs_free(&kvs);
		return true;
	}
	instance = atomic_load(&g->instance);
	if (instance != g->seen_instance || !g->tried ||
	    strcmp(text, g->tried)) {
		g->seen_instance = instance;
		apply_revision(g, text, kvs.revision, instance, false);
	} else if (!g->tried_ok && lbnld_now_ms() >= g->next_retry) {
		apply_revision(g, text, kvs.revision, instance, true);
	} else {
		free(text);
		/* The same configuration: it is that revision's too. */
		if (g->status.revision != kvs.revision) {
			g->status.revision = kvs.revision;
			if (g->tried_ok)
				g->status.applied_revision = kvs.revision;
		}
	}
	lbnl_etcd_kvs_free(&kvs);
	check_lag(g);
	return true;
}

/* The status under a lease, kept alive; put when it changed or is due. */
static void report(struct lbnld_group *g)
{
	char err[LBNL_ETCD_PATH_MAX + 128];
	long long now = lbnld_now_ms();
	int64_t ttl;
	char *json;

	if (!g->status_changed && now < g->next_refresh)
		return;
	if (g->lease && (lbnl_etcd_lease_keepalive(g->etcd, g->lease, &ttl,
						   err, sizeof(err)) || !ttl))
		g->lease = 0;	/* expired (or not known): another one */
	if (!g->lease && lbnl_etcd_lease_grant(g->etcd, LBNL_GROUP_STATUS_TTL,
					       &g->lease, err, sizeof(err))) {
		lbnl_log(LOG_DEBUG, "group: lease: %s", err);
		g->lease = 0;
		return;
	}
	json = lbnl_group_status_json(&g->status);
	if (!json)
		return;
	if (lbnl_etcd_put(g->etcd, g->status_key, json, strlen(json),
			  g->lease, NULL, err, sizeof(err))) {
		lbnl_log(LOG_DEBUG, "group: %s: %s", g->status_key, err);
		/* A lease the store no longer knows: granted again. */
		if (strstr(err, "lease"))
			g->lease = 0;
	} else {
		g->status_changed = false;
		g->next_refresh = now + LBNLD_GROUP_REFRESH_MS;
	}
	free(json);
}

static void *group_thread(void *arg)
{
	struct lbnld_group *g = arg;
	struct timespec until;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		pthread_mutex_unlock(&g->lock);
		if (follow(g))
			report(g);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += LBNLD_GROUP_POLL_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&g->lock);
		while (!g->stopping &&
		       pthread_cond_timedwait(&g->wake, &g->lock, &until) !=
		       ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int lbnld_group_start(const struct lbnld_conf *c, struct lbnld_group **out)
{
	struct lbnl_etcd_conf econf = c->group_store.etcd;
	struct lbnld_group *g = calloc(1, sizeof(*g));
	char host[LBNL_GROUP_NAME_MAX];
	pthread_condattr_t attr;
	int err;

	*out = NULL;
	if (!g)
		return -ENOMEM;
	g->store = c->group_store;
	snprintf(g->cli, sizeof(g->cli), "%s", c->cli);
	snprintf(g->state_dir, sizeof(g->state_dir), "%s", c->state_dir);
	snprintf(g->tag_key_file, sizeof(g->tag_key_file), "%s",
		 c->tag_key_file);
	snprintf(g->name, sizeof(g->name), "%s",
		 lbnl_group_name(&g->store, host, sizeof(host)));
	atomic_init(&g->instance, 0);
	atomic_init(&g->applied_instance, UINT_MAX);
	lbnl_group_key(&g->store, "status", g->name, g->status_key,
		       sizeof(g->status_key));
	lbnl_group_key(&g->store, "vips", NULL, g->vips_prefix,
		       sizeof(g->vips_prefix));
	lbnl_group_key(&g->store, "status", NULL, g->status_prefix,
		       sizeof(g->status_prefix));
	atomic_init(&g->lagging, false);
	econf.timeout_ms = STORE_TIMEOUT_MS;
	err = lbnl_etcd_open(&econf, &g->etcd);
	if (err) {
		lbnl_log(LOG_ERR, "group: cannot open the store %s: %s",
			  econf.url, strerror(-err));
		free(g);
		return err;
	}
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &attr);
	pthread_condattr_destroy(&attr);
	err = -pthread_create(&g->thread, NULL, group_thread, g);
	if (err) {
		lbnl_log(LOG_ERR, "group: cannot start its thread: %s",
			  strerror(-err));
		lbnl_etcd_close(g->etcd);
		free(g);
		return err;
	}
	lbnl_log(LOG_NOTICE, "group: following %s%s as %s (read every %d ms)",
		  econf.url, g->vips_prefix, g->name, LBNLD_GROUP_POLL_MS);
	*out = g;
	return 0;
}

void lbnld_group_stop(struct lbnld_group *g)
{
	char err[LBNL_ETCD_PATH_MAX + 128];

	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	/* Stopped: no longer one of the group's LBs. */
	if (g->lease && !lbnl_etcd_lease_revoke(g->etcd, g->lease, err,
						sizeof(err)))
		lbnl_log(LOG_NOTICE, "group: status %s removed", g->status_key);
	lbnl_etcd_close(g->etcd);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g->tried);
	free(g);
}

void lbnld_group_new_instance(struct lbnld_group *g)
{
	atomic_fetch_add(&g->instance, 1);
}

bool lbnld_group_applied(struct lbnld_group *g)
{
	return atomic_load(&g->applied_instance) == atomic_load(&g->instance);
}

bool lbnld_group_lagging(struct lbnld_group *g)
{
	return atomic_load(&g->lagging);
}
