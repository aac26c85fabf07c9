/* names.c: see names.h. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "engine/names.h"

/* Our own lists: qualities and things of a harbour. */
static const char *const adjectives[] = {
	"able",	    "agile",	"amber",    "ample",   "azure",	   "bold",    "brave",
	"breezy",   "bright",	"brisk",    "calm",    "candid",   "clever",  "cosy",
	"crisp",    "daring",	"deft",	    "eager",   "early",	   "earnest", "fair",
	"fleet",    "fond",	"gentle",   "glad",    "golden",   "grand",   "hardy",
	"hearty",   "humble",	"jolly",    "keen",    "kind",	   "lively",  "loyal",
	"lucid",    "merry",	"mellow",   "nimble",  "noble",	   "patient", "plucky",
	"proud",    "quick",	"quiet",    "ready",   "robust",   "rosy",    "sage",
	"salty",    "serene",	"sharp",    "silver",  "sleek",	   "snug",    "spry",
	"steady",   "stout",	"sunny",    "swift",   "tidal",	   "tidy",    "trusty",
	"upbeat",   "vivid",	"wary",	    "warm",    "wise",	   "witty",   "zesty",
};

static const char *const nouns[] = {
	"anchor",   "beacon",	"bollard",  "bosun",   "bow",	   "breakwater", "buoy",
	"cabin",    "capstan",	"cargo",    "channel", "compass",  "cove",	 "crane",
	"current",  "deck",	"dinghy",   "dock",    "dory",	   "estuary",	 "ferry",
	"fjord",    "galley",	"gull",	    "hammock", "harbour",  "hatch",	 "helm",
	"hull",	    "inlet",	"jetty",    "keel",    "knot",	   "lagoon",	 "lantern",
	"lighthouse", "lock",	"mainsail", "marina",  "mast",	   "mooring",	 "oar",
	"pelican",  "pier",	"pilot",    "port",    "quay",	   "reef",	 "rigging",
	"rope",	    "rudder",	"sail",	    "schooner", "shoal",   "skiff",	 "slipway",
	"sloop",    "stern",	"tide",	    "tiller",  "tugboat",  "wake",	 "wharf",
	"winch",    "yacht",	"yardarm",
};

void container_id_new(char out[static CONTAINER_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (;;) {
		unsigned char b[CONTAINER_ID_LEN / 2];
		size_t got = 0;
		while (got < sizeof(b)) {
			ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
			if (n > 0)
				got += (size_t)n;
		}
		bool letter = false;
		for (size_t i = 0; i < sizeof(b); i++) {
			out[2 * i] = hex[b[i] >> 4];
			out[2 * i + 1] = hex[b[i] & 15];
			letter |= (b[i] >> 4) > 9 || (b[i] & 15) > 9;
		}
		out[CONTAINER_ID_LEN] = '\0';
		if (letter)
			return;
	}
}

static unsigned rand_below(unsigned n)
{
	unsigned v = 0;
	while (getrandom(&v, sizeof(v), 0) != sizeof(v))
		;
	return v % n;
}

char *container_name_new(bool (*taken)(const char *name, void *data), void *data)
{
	for (unsigned attempt = 0;; attempt++) {
		char *name = xasprintf("%s_%s", adjectives[rand_below(ARRAY_SIZE(adjectives))],
				       nouns[rand_below(ARRAY_SIZE(nouns))]);
		if (attempt >= 10) {
			char *n2 = xasprintf("%s%u", name, rand_below(10));
			free(name);
			name = n2;
		}
		if (!taken || !taken(name, data))
			return name;
		free(name);
	}
}

int container_name_check(const char *name, struct err *e)
{
	size_t n = strlen(name);
	bool ok = n >= 2 && n <= 253;
	for (size_t i = 0; ok && i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		ok = alnum || (i > 0 && (c == '_' || c == '.' || c == '-'));
	}
	if (!ok)
		return err_set(e, ERR_INVALID,
			       "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
			       "allowed",
			       name);
	return 0;
}
