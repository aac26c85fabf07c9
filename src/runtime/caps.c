/* caps.c: see caps.h.  Raw syscalls: the interface is small and stable. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/parse-util.h"
#include "oci/names.h"
#include "runtime/caps.h"

int caps_last_cap(void)
{
	static int last = -1;
	if (last >= 0)
		return last;
	_cleanup_free_ char *s = NULL;
	int v;
	if (read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &s, NULL, NULL) == 0) {
		s[strcspn(s, "\n")] = '\0';
		if (parse_int(s, &v) == 0 && v > 0 && v < 64)
			return last = v;
	}
	/* Probe: PR_CAPBSET_READ fails with EINVAL past the last capability. */
	for (v = 0; v < 63 && prctl(PR_CAPBSET_READ, v + 1, 0, 0, 0) >= 0; v++)
		;
	return last = v;
}

uint64_t caps_mask_unknown(struct oci_caps *c)
{
	int last = caps_last_cap();
	uint64_t known = last >= 63 ? ~0ull : (1ull << (last + 1)) - 1;
	uint64_t unknown = (c->bounding | c->effective | c->inheritable | c->permitted | c->ambient) &
			   ~known;
	c->bounding &= known;
	c->effective &= known;
	c->inheritable &= known;
	c->permitted &= known;
	c->ambient &= known;
	return unknown;
}

int caps_set_bounding(uint64_t mask, struct err *e)
{
	int last = caps_last_cap();
	for (int cap = 0; cap <= last; cap++) {
		if (mask & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return err_sys(e, errno, "drop %s from the bounding set",
				       cap_name(cap) ? cap_name(cap) : "capability");
	}
	return 0;
}

int caps_set(const struct oci_caps *c, struct err *e)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {
		{
			.effective = (uint32_t)c->effective,
			.permitted = (uint32_t)c->permitted,
			.inheritable = (uint32_t)c->inheritable,
		},
		{
			.effective = (uint32_t)(c->effective >> 32),
			.permitted = (uint32_t)(c->permitted >> 32),
			.inheritable = (uint32_t)(c->inheritable >> 32),
		},
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_sys(e, errno, "capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_sys(e, errno, "clear the ambient set");
	int last = caps_last_cap();
	for (int cap = 0; cap <= last; cap++) {
		if (!(c->ambient & (1ull << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return err_sys(e, errno,
				       "raise %s in the ambient set (it must also be permitted "
				       "and inheritable)",
				       cap_name(cap));
	}
	return 0;
}
