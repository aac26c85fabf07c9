/* curl-dl.c: libcurl, loaded when a registry is first talked to.
 *
 * libcurl brings some forty libraries with it (TLS, Kerberos, LDAP,
 * ICU...) whose loading and constructors cost berth ~10 ms at every start;
 * most commands (run, ps, stop...) never use it.  So berth is not linked
 * with it: these definitions of the functions registry.c calls open
 * libcurl.so.4 on first use and forward to it.  curl_easy_setopt and
 * curl_easy_getinfo are variadic: the option number says the type of
 * their one argument (CURLOPTTYPE_*), so it is passed on as that type. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>

#include "base/dl.h"
#include "base/log.h"

static struct {
	void *lib;
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_cleanup)(CURLM *);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_perform)(CURLM *, int *);
	CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd *, unsigned, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} cl;

static pthread_once_t once = PTHREAD_ONCE_INIT;

#define SYM(field, name) (*(void **)&cl.field = dl_sym(cl.lib, name)) != NULL

static void load(void)
{
	_cleanup_err_ struct err e = ERR_INIT;
	void *lib = dl_open("libcurl.so.4", &e);
	if (!lib) {
		log_error("%s%s", err_msg(&e), dl_available ? " (apt-get install libcurl4)" : "");
		return;
	}
	cl.lib = lib;
	if (!(SYM(global_init, "curl_global_init") && SYM(easy_init, "curl_easy_init") &&
	      SYM(easy_cleanup, "curl_easy_cleanup") && SYM(easy_reset, "curl_easy_reset") &&
	      SYM(easy_perform, "curl_easy_perform") && SYM(easy_setopt, "curl_easy_setopt") &&
	      SYM(easy_getinfo, "curl_easy_getinfo") && SYM(easy_strerror, "curl_easy_strerror") &&
	      SYM(multi_init, "curl_multi_init") && SYM(multi_cleanup, "curl_multi_cleanup") &&
	      SYM(multi_add_handle, "curl_multi_add_handle") &&
	      SYM(multi_remove_handle, "curl_multi_remove_handle") &&
	      SYM(multi_perform, "curl_multi_perform") && SYM(multi_poll, "curl_multi_poll") &&
	      SYM(multi_info_read, "curl_multi_info_read") &&
	      SYM(multi_setopt, "curl_multi_setopt") && SYM(slist_append, "curl_slist_append") &&
	      SYM(slist_free_all, "curl_slist_free_all"))) {
		log_error("libcurl.so.4 lacks a function berth needs (libcurl 7.66 or later)");
		cl.lib = NULL;
	}
}

static bool loaded(void)
{
	pthread_once(&once, load);
	return cl.lib != NULL;
}

CURLcode(curl_global_init)(long flags)
{
	return loaded() ? cl.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *(curl_easy_init)(void)
{
	return loaded() ? cl.easy_init() : NULL;
}

void(curl_easy_cleanup)(CURL *h)
{
	if (h && loaded())
		cl.easy_cleanup(h);
}

void(curl_easy_reset)(CURL *h)
{
	if (loaded())
		cl.easy_reset(h);
}

CURLcode(curl_easy_perform)(CURL *h)
{
	return loaded() ? cl.easy_perform(h) : CURLE_FAILED_INIT;
}

CURLcode(curl_easy_setopt)(CURL *h, CURLoption opt, ...)
{
	if (!loaded())
		return CURLE_FAILED_INIT;
	va_list ap;
	va_start(ap, opt);
	CURLcode r;
	if (opt < CURLOPTTYPE_OBJECTPOINT) {
		long v = va_arg(ap, long);
		r = cl.easy_setopt(h, opt, v);
	} else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB) {
		curl_off_t v = va_arg(ap, curl_off_t);
		r = cl.easy_setopt(h, opt, v);
	} else {
		/* Object and function pointers, blobs: a pointer each. */
		void *v = va_arg(ap, void *);
		r = cl.easy_setopt(h, opt, v);
	}
	va_end(ap);
	return r;
}

CURLcode(curl_easy_getinfo)(CURL *h, CURLINFO info, ...)
{
	if (!loaded())
		return CURLE_FAILED_INIT;
	va_list ap;
	va_start(ap, info);
	void *p = va_arg(ap, void *); /* always where to put the answer */
	va_end(ap);
	return cl.easy_getinfo(h, info, p);
}

const char *(curl_easy_strerror)(CURLcode c)
{
	return loaded() ? cl.easy_strerror(c) : "libcurl could not be loaded";
}

CURLM *(curl_multi_init)(void)
{
	return loaded() ? cl.multi_init() : NULL;
}

CURLMcode(curl_multi_cleanup)(CURLM *m)
{
	return loaded() ? cl.multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

CURLMcode(curl_multi_add_handle)(CURLM *m, CURL *h)
{
	return loaded() ? cl.multi_add_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode(curl_multi_remove_handle)(CURLM *m, CURL *h)
{
	return loaded() ? cl.multi_remove_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode(curl_multi_perform)(CURLM *m, int *running)
{
	return loaded() ? cl.multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode(curl_multi_poll)(CURLM *m, struct curl_waitfd *fds, unsigned n, int timeout_ms,
			   int *ret)
{
	return loaded() ? cl.multi_poll(m, fds, n, timeout_ms, ret) : CURLM_INTERNAL_ERROR;
}

CURLMsg *(curl_multi_info_read)(CURLM *m, int *left)
{
	return loaded() ? cl.multi_info_read(m, left) : NULL;
}

CURLMcode(curl_multi_setopt)(CURLM *m, CURLMoption opt, ...)
{
	if (!loaded())
		return CURLM_INTERNAL_ERROR;
	va_list ap;
	va_start(ap, opt);
	CURLMcode r;
	if (opt < CURLOPTTYPE_OBJECTPOINT) {
		long v = va_arg(ap, long);
		r = cl.multi_setopt(m, opt, v);
	} else if (opt >= CURLOPTTYPE_OFF_T) {
		curl_off_t v = va_arg(ap, curl_off_t);
		r = cl.multi_setopt(m, opt, v);
	} else {
		void *v = va_arg(ap, void *);
		r = cl.multi_setopt(m, opt, v);
	}
	va_end(ap);
	return r;
}

struct curl_slist *(curl_slist_append)(struct curl_slist *l, const char *s)
{
	return loaded() ? cl.slist_append(l, s) : NULL;
}

void(curl_slist_free_all)(struct curl_slist *l)
{
	if (l && loaded())
		cl.slist_free_all(l);
}
