/* SPDX-License-Identifier: GPL-2.0 */
/* lbnl CLI: declarations shared by the per-object files. */
#ifndef LBNL_CLI_H
#define LBNL_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include "errors.h"
#include "nl.h"
#include "objects.h"

/* Exit codes. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* refused by the kernel, or a runtime error */
	EXIT_USAGE = 2,		/* bad command line */
};

struct lbnl_opts {
	bool json;
	bool pretty;
};
extern struct lbnl_opts opts;

/*
 * A change command, parsed; "lbnl restore" keeps one per line (all but
 * BYPASS_ACTIVE, which only "vip bypass-active" makes).
 */
struct request {
	enum lbnl_op op;	/* VIP_*, DEST_*, FLUSH, BYPASS_ACTIVE */
	struct lbu_vip vip;	/* VIP ops */
	struct lbu_dest dest;	/* dest ops (the VIP key is dest.vip) */
	/*
	 * VIP_ADD and VIP_SET: dests added in the same change (restore
	 * groups a VIP with its dests, journal.c re-creates a VIP with
	 * them), at most LBNL_VIP_DESTS_MAX; not owned by the request.
	 */
	const struct lbu_dest *dests;
	size_t ndests;
};

/*
 * One command. A change command has parse (fills a request, usable by
 * restore); other commands have run. argv starts after the command words.
 * Both return an EXIT_* code; EXIT_USAGE after usage_error().
 */
struct cmd {
	const char *name;	/* NULL: the object itself is the command */
	const char *args;	/* synopsis of the arguments ("\n": wrap) */
	const char *summary;	/* one line for "help" */
	int (*run)(int argc, char **argv);
	int (*parse)(int argc, char **argv, struct request *req);
};

struct object {
	const char *name;
	const struct cmd *cmds;	/* ends with an entry whose args is NULL */
	const char *default_cmd;	/* when no command is given */
	/*
	 * When an address comes where the command should: the command it
	 * is the first argument of ("lbnl migrate VIP:PORT ..." is "lbnl
	 * migrate start VIP:PORT ..."). Its synopsis shows "[start]".
	 */
	const char *implicit_cmd;
};

extern const struct cmd vip_cmds[];
extern const struct cmd dest_cmds[];
extern const struct cmd assoc_cmds[];
extern const struct cmd conn_cmds[];
extern const struct cmd migrate_cmds[];
extern const struct cmd tag_cmds[];
extern const struct cmd stats_cmds[];
extern const struct cmd flush_cmds[];
extern const struct cmd monitor_cmds[];
extern const struct cmd save_cmds[];
extern const struct cmd restore_cmds[];
extern const struct cmd sync_cmds[];
extern const struct cmd group_cmds[];

const struct object *find_object(const char *name);
const struct cmd *find_cmd(const struct object *obj, const char *name);
/*
 * The command word names or, if word is an address and obj has an
 * implicit command, that command (*implicit set: word is its first
 * argument). NULL if neither.
 */
const struct cmd *resolve_cmd(const struct object *obj, const char *word,
			      bool *implicit);

/* args.c: argument parsing shared by all commands. */
int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
const char *usage_error_take(void);
bool is_help_arg(const char *arg);
int parse_vip_key(int *argc, char ***argv, struct lbu_vip_key *key);
int parse_vip_filter(int argc, char **argv, struct lbu_vip_key *key,
		     struct lbu_vip_key **filter);
int parse_dest_addr(const char *arg, const struct lbu_vip_key *vip,
		    struct lbu_dest *dest);
/* Synopsis of what parse_dest_key() reads. */
#define DEST_KEY_ARGS "VIP:PORT proto {tcp|udp|sctp} DADDR[:PORT]"
int parse_dest_key(int *argc, char ***argv, struct lbu_dest *dest);
int parse_peer_addr(const char *arg, const struct lbu_vip_key *vip,
		    struct lbnl_addr *addr, uint16_t *port);
int parse_vip_options(int argc, char **argv, struct lbu_vip *vip);
int parse_dest_options(int argc, char **argv, struct lbu_dest *dest, bool set);
int expect_no_args(int argc, char **argv);
/*
 * "KEYWORD VALUE" pairs, in any order, each keyword at most once:
 * values[i] is the value given for keywords[i], NULL if none.
 */
int parse_keywords(int argc, char **argv, const char *const *keywords,
		   unsigned int n, const char **values);
/* The value of "timeout MS". */
int parse_timeout_ms(const char *arg, uint32_t *ms);
/* Removes -j/-p (and --json/--pretty) given after the command. */
int take_output_options(int *argc, char **argv);

/* request.c: talking to the kernel. */
struct lbnl_nl *cli_nl_open(void);
/* The same for the server role's family (lbnl assoc ...). */
struct lbnl_nl *cli_srv_nl_open(void);
int request_apply(struct lbnl_nl *nl, const struct request *req);
/*
 * The same; if the kernel refused one of req->dests, *bad is its index,
 * else req->ndests.
 */
int request_apply_dests(struct lbnl_nl *nl, const struct request *req,
			size_t *bad);
const char *error_text(struct lbnl_nl *nl, enum lbnl_op op, int err);
void report_error(struct lbnl_nl *nl, enum lbnl_op op, int err,
		  const char *prefix);
/*
 * What most commands do with the kernel: open a handle, fn(nl, arg),
 * report its error as op's, close. EXIT_OK or EXIT_FAIL.
 */
int call_kernel(enum lbnl_op op, int (*fn)(struct lbnl_nl *nl, void *arg),
		void *arg);
int run_request(const struct request *req);

/*
 * saverestore.c: one line of a restore file (split in place) into req, as
 * "lbnl restore" reads it; *empty: a blank or comment line. EXIT_USAGE
 * after usage_error().
 */
int restore_parse_line(char *text, struct request *req, bool *empty);

/* dest_wait.c */
int run_dest_wait(int argc, char **argv);

/* config.c: VIPs with their dests, read consistently. */
/*
 * saverestore.c: a list of change commands, as "lbnl restore" reads them
 * (number: the line of the file, 0 for one "lbnl sync" made up).
 */
struct batch_line {
	unsigned int number;
	struct request req;
};

struct batch {
	struct batch_line *lines;
	size_t count;
	size_t cap;
};

/* FILE, or standard input for "-"; NULL after saying why. */
FILE *input_open(const char *path);
void input_close(FILE *fp);
struct batch_line *batch_add(struct batch *b);
/* Every line of fp, or EXIT_USAGE after reporting the first bad one. */
int batch_read(FILE *fp, struct batch *b);
/* Each VIP with its dests in one change; all or nothing. An EXIT_ code. */
int batch_apply(struct lbnl_nl *nl, const struct batch *b);

struct config {
	struct lbnl_vip_list vips;
	struct lbnl_dest_list dests;
	const struct lbu_dest **by_vip;	/* dests sorted by VIP key */
};

/* vip NULL: the whole namespace; otherwise that VIP only. */
int config_fetch(struct lbnl_nl *nl, const struct lbu_vip_key *vip,
		 struct config *cfg);
/* The dests of a VIP, in dump order; returns how many, *first the first. */
size_t config_dests_of(const struct config *cfg,
		       const struct lbu_vip_key *vip,
		       const struct lbu_dest *const **first);
void config_free(struct config *cfg);

/* journal.c: what "lbnl restore" changed, and how to undo it. */
struct journal;
struct journal *journal_new(void);
void journal_free(struct journal *j);
size_t journal_size(const struct journal *j);
/* *bad: as request_apply_dests(). */
int journal_apply(struct journal *j, struct lbnl_nl *nl,
		  const struct request *req, unsigned int line, size_t *bad);
size_t journal_rollback(struct journal *j, struct lbnl_nl *nl);

/* print.c: one print path for text and JSON. */
void print_vip_key(const struct lbu_vip_key *key);
void print_vip_settings(const struct lbu_vip *vip);
void print_vip_status(const struct lbu_vip *vip);
void print_dest(const struct lbu_dest *dest);
/* " moved M left L unmigratable U" of a dest in maint or drain. */
void print_dest_emptying(const struct lbu_dest *dest);
void print_assoc_key(const struct lbnl_assoc_key *key);
void print_assoc_vtags(const struct lbnl_assoc *assoc);
/* State, age (now_ms: ms since the epoch), style, queues, migratability. */
void print_assoc_status(const struct lbnl_assoc *assoc, uint64_t now_ms);

#endif
