/* volume-plugin.c: see volume-plugin.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/fd-util.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/strbuf.h"
#include "base/time-util.h"
#include "engine/volume-plugin.h"

#define PLUGIN_ANSWER_MAX (1u << 20)
#define PLUGIN_TIMEOUT_MS 30000
#define PLUGIN_MEDIA "application/vnd.docker.plugins.v1.2+json"

static bool name_ok(const char *n)
{
	if (!*n || strlen(n) > 128 || n[0] == '.')
		return false;
	for (const char *p = n; *p; p++)
		if (*p == '/' )
			return false;
	return true;
}

/* The plugin's socket path, or NULL. */
static char *socket_of(const char *driver)
{
	if (!name_ok(driver))
		return NULL;
	_cleanup_free_ char *sock = xasprintf("/run/docker/plugins/%s.sock", driver);
	struct stat st;
	if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
		return TAKE_PTR(sock);
	static const char *const dirs[] = {"/etc/docker/plugins", "/usr/lib/docker/plugins"};
	for (size_t i = 0; i < 2; i++) {
		for (int json = 0; json < 2; json++) {
			_cleanup_free_ char *p =
				xasprintf("%s/%s.%s", dirs[i], driver, json ? "json" : "spec");
			_cleanup_free_ char *text = NULL;
			size_t len;
			if (read_file_at(AT_FDCWD, p, 65536, &text, &len, NULL) < 0)
				continue;
			_cleanup_free_ char *addr = NULL;
			if (json) {
				_cleanup_json_ json_t *o = json_loadb(text, len, 0, NULL);
				const char *a = json_string_value(json_object_get(o, "Addr"));
				addr = a ? xstrdup(a) : NULL;
			} else {
				text[strcspn(text, "\r\n")] = '\0';
				addr = xstrdup(text);
			}
			if (addr && !strncmp(addr, "unix://", 7))
				return xstrdup(addr + 7);
		}
	}
	return NULL;
}

bool plugin_exists(const char *driver)
{
	_cleanup_free_ char *s = socket_of(driver);
	return s != NULL;
}

/* POST path with body; the answer's JSON object. */
static int call(const char *driver, const char *path, json_t *body, json_t **ret, struct err *e)
{
	_cleanup_free_ char *sock = socket_of(driver);
	if (!sock)
		return err_set(e, ERR_NOT_FOUND, "volume plugin %s: no socket", driver);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(sock) >= sizeof(sa.sun_path))
		return err_set(e, ERR_INVALID, "volume plugin %s: socket path too long", driver);
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, errno, "volume plugin %s: connect %s", driver, sock);
	_cleanup_free_ char *b = json_dumps(body, JSON_COMPACT);
	struct strbuf req = STRBUF_INIT;
	strbuf_addf(&req,
		    "POST %s HTTP/1.1\r\nHost: plugin\r\nContent-Type: " PLUGIN_MEDIA
		    "\r\nAccept: " PLUGIN_MEDIA "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		    path, strlen(b), b);
	int w = write_all(fd, req.buf, req.len);
	strbuf_release(&req);
	if (w < 0)
		return err_sys(e, errno, "volume plugin %s: %s", driver, path);
	struct strbuf ans = STRBUF_INIT;
	uint64_t deadline = time_mono_ns() + (uint64_t)PLUGIN_TIMEOUT_MS * 1000000;
	int r = 0;
	for (;;) {
		uint64_t now = time_mono_ns();
		if (now >= deadline) {
			r = err_set(e, ERR_IO, "volume plugin %s: %s: no answer in %d s", driver, path,
				    PLUGIN_TIMEOUT_MS / 1000);
			break;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int pr = poll(&p, 1, (int)((deadline - now) / 1000000) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		char buf[8192];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_sys(e, errno, "volume plugin %s: %s", driver, path);
			break;
		}
		if (n == 0)
			break;
		if (ans.len + (size_t)n > PLUGIN_ANSWER_MAX) {
			r = err_set(e, ERR_INVALID, "volume plugin %s: %s: answer too large", driver,
				    path);
			break;
		}
		strbuf_add(&ans, buf, (size_t)n);
		/* Content-Length known and all there: done (a keep-alive server). */
		char *hdr_end = ans.buf ? strstr(ans.buf, "\r\n\r\n") : NULL;
		char *cl = ans.buf ? strcasestr(ans.buf, "\r\nContent-Length:") : NULL;
		if (hdr_end && cl && cl < hdr_end &&
		    ans.len - (size_t)(hdr_end + 4 - ans.buf) >= strtoul(cl + 17, NULL, 10))
			break;
	}
	if (r < 0) {
		strbuf_release(&ans);
		return -1;
	}
	int status = 0;
	char *body_start = ans.buf ? strstr(ans.buf, "\r\n\r\n") : NULL;
	if (!ans.buf || sscanf(ans.buf, "HTTP/1.%*d %d", &status) != 1 || !body_start) {
		strbuf_release(&ans);
		return err_set(e, ERR_INVALID, "volume plugin %s: %s: not an HTTP answer", driver,
			       path);
	}
	json_t *o = json_loads(body_start + 4, JSON_DISABLE_EOF_CHECK, NULL);
	strbuf_release(&ans);
	const char *perr = json_string_value(json_object_get(o, "Err"));
	if (perr && *perr) {
		r = err_set(e, ERR_IO, "volume plugin %s: %s: %s", driver, path, perr);
		json_decref(o);
		return r;
	}
	if (status != 200 || !json_is_object(o)) {
		json_decref(o);
		return err_set(e, ERR_IO, "volume plugin %s: %s: status %d", driver, path, status);
	}
	*ret = o;
	return 0;
}

static int activate(const char *driver, struct err *e)
{
	_cleanup_json_ json_t *body = json_object();
	_cleanup_json_ json_t *ans = NULL;
	if (call(driver, "/Plugin.Activate", body, &ans, e) < 0)
		return -1;
	json_t *impl = json_object_get(ans, "Implements");
	size_t i;
	json_t *it;
	json_array_foreach(impl, i, it)
	{
		if (json_is_string(it) && streq(json_string_value(it), "VolumeDriver"))
			return 0;
	}
	return err_set(e, ERR_INVALID, "volume plugin %s does not implement VolumeDriver", driver);
}

static int simple(const char *driver, const char *path, json_t *body, json_t **ret,
		  struct err *e)
{
	json_t *ans = NULL;
	if (activate(driver, e) < 0 || call(driver, path, body, &ans, e) < 0) {
		json_decref(body);
		return -1;
	}
	json_decref(body);
	if (ret)
		*ret = ans;
	else
		json_decref(ans);
	return 0;
}

int plugin_create(const char *driver, const char *name, char **opts, struct err *e)
{
	json_t *o = json_object();
	for (char **p = opts; p && p[0] && p[1]; p += 2)
		json_object_set_new(o, p[0], json_string(p[1]));
	return simple(driver, "/VolumeDriver.Create",
		      json_pack("{s:s, s:o}", "Name", name, "Opts", o), NULL, e);
}

int plugin_mount(const struct volume *v, struct err *e)
{
	json_t *ans = NULL;
	if (simple(v->driver, "/VolumeDriver.Mount",
		   json_pack("{s:s, s:s}", "Name", v->name, "ID", "berth"), &ans, e) < 0)
		return -1;
	const char *mp = json_string_value(json_object_get(ans, "Mountpoint"));
	int r = 0;
	if (!mp || mp[0] != '/')
		r = err_set(e, ERR_INVALID, "volume plugin %s: Mount of %s: no mount point",
			    v->driver, v->name);
	else if (mount(mp, v->mountpoint, NULL, MS_BIND | MS_REC, NULL) < 0)
		r = err_sys(e, errno, "volume %s: bind %s", v->name, mp);
	json_decref(ans);
	if (r < 0)
		plugin_unmount(v);
	return r;
}

void plugin_unmount(const struct volume *v)
{
	(void)simple(v->driver, "/VolumeDriver.Unmount",
		     json_pack("{s:s, s:s}", "Name", v->name, "ID", "berth"), NULL, NULL);
}

int plugin_remove(const struct volume *v, struct err *e)
{
	return simple(v->driver, "/VolumeDriver.Remove", json_pack("{s:s}", "Name", v->name),
		      NULL, e);
}
