/* build.h: a Dockerfile built into an image of the store.
 *
 * The stages the target needs (FROM ... AS name; the last one, or
 * --target's, and every stage it copies from or builds on) are built in
 * order, one instruction after the other:
 *   - RUN runs its command in a container on the layers so far (through
 *     ops->run: the engine owns containers), COPY and ADD write into such a
 *     root; what changed (the overlay's upper directory) becomes a layer
 *     (image/commit.h);
 *   - the other instructions change the image config; every instruction
 *     adds a history entry (empty_layer when it made no layer).
 * Every step's result is an image config and a manifest in the store's
 * blobs: the state the next step starts from.
 *
 * The cache: a step's key is the sha256 of its parent's key (the base
 * image's id for the first step), the instruction as it will run (variables
 * expanded; for RUN the build arguments it sees) and, for COPY and ADD, the
 * content and metadata of every source (names, modes, sizes, bytes, link
 * targets).  <store>/build-cache/<key hex> holds the manifest digest of the
 * step's result; a hit whose blobs or layers are gone (rmi, prune) is a
 * miss.  An unchanged rebuild so runs no container and writes nothing but
 * the image's names, and gives the same image id.
 *
 * Errors name the Dockerfile's line: `Dockerfile:4: COPY: "app.py": no
 * such file in the build context`, `Dockerfile:6: RUN exit 3: the command
 * returned a non-zero code: 3`.  A failed or interrupted build leaves no
 * mount, container or temporary directory (its blobs and layers are
 * unreferenced; the next garbage collection takes them). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "image/store.h"

enum build_event_kind {
	BUILD_EV_STEP,	   /* a step starts: step/total, text "RUN make" */
	BUILD_EV_CACHED,   /* the step's result comes from the cache */
	BUILD_EV_OUTPUT,   /* text/len: what the RUN command printed */
	BUILD_EV_DONE,	   /* the step is over: id, its image (config digest) */
	BUILD_EV_WARNING,  /* text */
	BUILD_EV_TAGGED,   /* text: a name the image now has */
};

struct build_event {
	enum build_event_kind kind;
	unsigned step, total; /* 1-based */
	const char *stage;    /* its name, or its index as text */
	const char *text;
	size_t len;
	const char *id;
};

/* What RUN asks of the engine. */
struct build_run_req {
	const char *rootfs;	 /* the step's root, mounted read-write */
	const char *config_json; /* the image config so far (Env, User, WorkingDir...) */
	char **args;		 /* the command */
	char **env;		 /* "KEY=value": the build arguments it sees */
	const char *network;	 /* NULL: the default */
	/* Everything the command writes (stdout and stderr). */
	void (*output)(void *data, const char *buf, size_t len);
	void *data;
};

struct build_ops {
	/* Run r->args; *ret_status: the exit code (128 + signal). */
	int (*run)(void *ctx, const struct build_run_req *r, int *ret_status, struct err *e);
	/* Bring the image `ref` into the store (pull). */
	int (*pull)(void *ctx, const char *ref, struct err *e);
	void (*event)(void *ctx, const struct build_event *ev);
	/* Whether the build was interrupted (checked between steps). */
	bool (*cancelled)(void *ctx);
	void *ctx;
};

struct build_opts {
	const char *context;	    /* the context directory */
	const char *dockerfile;	    /* its text */
	size_t dockerfile_len;
	const char *dockerfile_name; /* for errors: "Dockerfile" */
	char **tags;		    /* names for the result */
	char **build_args;	    /* "KEY=value", or "KEY": from our environment */
	const char *target;	    /* the stage to build; NULL: the last */
	bool no_cache;
	bool pull;		    /* pull base images even when present */
	char **labels;		    /* "key=value", set on the result */
	const char *network;	    /* for RUN; NULL: the default */
	const struct build_ops *ops;
};

/* Build; *ret_id is the image's id (its config digest).  s is open with
 * STORE_ADD. */
int build_image(struct store *s, const struct build_opts *o, char **ret_id, struct err *e);
