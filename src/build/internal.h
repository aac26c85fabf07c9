/* internal.h: what the builder's files share (not for front ends).
 *
 * build.c drives the stages and steps, keeps the image state and the
 * cache; copy.c does COPY and ADD: sources from the context (or another
 * stage's root), wildcards, .dockerignore, the content digest the cache
 * key takes, and the copy into the step's root. */
#pragma once

#include <stdint.h>

#include "base/digest.h"
#include "build/build.h"
#include "build/ignore.h"

/* Where sources come from. */
struct copy_src {
	int rootfd;		 /* the context directory, or a stage's root */
	bool context;		 /* the context: .dockerignore applies */
	const struct ignore *ig; /* NULL: none */
};

struct copy_req {
	char **srcs;		   /* as written (variables expanded) */
	const char *dest;	   /* absolute, cleaned, in the step's root;
				      a trailing "/" kept */
	bool add;		   /* ADD: local tar archives are unpacked */
	bool chown;		   /* else 0:0 */
	uint32_t uid, gid;
	int chmod;		   /* -1: the sources' modes */
	/* heredocs: "<<NAME" sources are these files (pairs name, content) */
	char **heredocs;
};

/* The matches of the sources (wildcards expanded, ignored files left
 * out), checked: a missing one is an error naming it.  Feeds each
 * matched tree into d (names, types, modes, sizes, bytes, link targets):
 * the cache key's content part.  d may be NULL. */
int copy_digest(const struct copy_src *src, const struct copy_req *r, struct digest_ctx *d,
		struct err *e);
/* Copy into the root rootfd (the step's merged directory). */
int copy_run(const struct copy_src *src, const struct copy_req *r, int rootfd, struct err *e);
/* --chown=user[:group]: names through the root's /etc/passwd and
 * /etc/group, numbers as they are. */
int copy_resolve_owner(int rootfd, const char *spec, uint32_t *uid, uint32_t *gid,
		       struct err *e);
