/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lbnld's group mode (group.c): the LB takes its configuration from the
 * LB group's store (group_store.h) and says there what it runs.
 */
#ifndef LBNLD_GROUP_H
#define LBNLD_GROUP_H

#include <stdbool.h>

#include "lbnld.h"

/* How often the store is read (ms). */
#define LBNLD_GROUP_POLL_MS	200
/* How often a revision not applied is tried again (ms). */
#define LBNLD_GROUP_RETRY_MS	5000
/* How often the status is written again and its lease kept alive (ms). */
#define LBNLD_GROUP_REFRESH_MS	3000

struct lbnld_group;

/*
 * Start following the store c->group_store names (a thread of its own):
 * each new configuration is applied with "c->cli sync FILE", its file in
 * c->state_dir. 0, or -errno (logged).
 */
int lbnld_group_start(const struct lbnld_conf *c, struct lbnld_group **out);
/*
 * Stop the thread (a sync running is waited for) and revoke the status's
 * lease: the LB leaves the group's status at once. NULL: nothing.
 */
void lbnld_group_stop(struct lbnld_group *g);
/*
 * A new module instance (lbnld connected to it): the group's
 * configuration is applied to it again, even if it is the one last
 * applied.
 */
void lbnld_group_new_instance(struct lbnld_group *g);
/* A revision of the group applied to this module instance. */
bool lbnld_group_applied(struct lbnld_group *g);
/*
 * This LB could not apply a revision that another LB of the group runs:
 * it must not serve (its routes withdrawn) until it catches up.
 */
bool lbnld_group_lagging(struct lbnld_group *g);

#endif
