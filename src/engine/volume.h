/* volume.h: named and anonymous volumes, data that outlives containers.
 *
 * Layout (below <root>, as docker's):
 *   volumes/<name>/volume.json   what it is: driver, labels, options, when
 *                                made, whether anonymous
 *   volumes/<name>/_data         its data: bound into the containers
 * A volume exists once volume.json does (written last, atomically); the
 * directory is made with mkdir(2), so two creates of one name make one
 * volume.  Which containers use a volume is in their records
 * (container.volumes): a volume in use is never removed. */
#pragma once

#include <stdbool.h>

#include "base/err.h"

struct volume {
	char *name;
	char *driver;	 /* "local" */
	char **labels;	 /* pairs */
	char **options;	 /* pairs (--opt) */
	char *created;	 /* RFC 3339 */
	bool anonymous;	 /* made for one container (-v /path, VOLUME) */
	char *mountpoint; /* <root>/volumes/<name>/_data */
};

struct volume_create_opts {
	const char *name;   /* NULL: a generated one (64 hex digits) */
	const char *driver; /* NULL: local */
	char **labels;	    /* "k=v" */
	char **options;	    /* "k=v" */
	bool anonymous;
};

/* Create (or, for a name that exists, find) a volume; *ret_created says
 * which (may be NULL). */
int volume_create(const char *root, const struct volume_create_opts *o, struct volume *ret,
		  bool *ret_created, struct err *e);
int volume_load(const char *root, const char *name, struct volume *ret, struct err *e);
int volume_list(const char *root, struct volume **ret, size_t *ret_n, struct err *e);
void volume_list_free(struct volume *v, size_t n);
void volume_clear(struct volume *v);
/* The ids of the containers whose records name the volume. */
int volume_users(const char *root, const char *name, char ***ret, struct err *e);
/* Remove a volume no container uses (ERR_CONFLICT naming them
 * otherwise; ERR_NOT_FOUND when there is none). */
int volume_remove(const char *root, const char *name, struct err *e);
/* docker's volume object (inspect), JSON text. */
char *volume_to_json(const struct volume *v);
bool volume_name_valid(const char *name);
/* Whether its data lives elsewhere: mounted while used (a driver other
 * than local, or local with mount options). */
bool volume_elsewhere(const struct volume *v);
/* A volume whose data lives elsewhere (the local driver with mount
 * options, a driver's mount): mounted on _data; no-op for a plain one. */
int volume_mount(const char *root, const char *name, struct err *e);
/* Unmounted when no running container but `except` uses it. */
void volume_unmount_unused(const char *root, const char *name, const char *except);
