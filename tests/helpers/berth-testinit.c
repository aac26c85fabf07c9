/* berth-testinit: a small static multi-call program run inside containers
 * by the system tests, so no image is needed.  The command is argv[1], or
 * the program's own name when called through a link named after it.
 * Each command prints one fact about the process as the container sees it.
 * Plain libc only, linked statically. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int cat_fd(int fd)
{
	char buf[8192];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	return n < 0;
}

static int cat_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	int r = cat_fd(fd);
	close(fd);
	return r;
}

static int status_field(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[512];
	size_t n = strlen(field);
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			char *v = line + n + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			fputs(v, stdout);
			fclose(f);
			return 0;
		}
	fclose(f);
	return 1;
}

static const struct {
	const char *name;
	int res;
} rlimits[] = {
	{"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_CORE", RLIMIT_CORE},	  {"RLIMIT_STACK", RLIMIT_STACK},
	{"RLIMIT_CPU", RLIMIT_CPU},	  {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_AS", RLIMIT_AS},	  {"RLIMIT_FSIZE", RLIMIT_FSIZE},
};

/* For `syscall`: the ones the seccomp tests call directly. */
#define SC(n) {#n, SYS_##n}
static const struct {
	const char *name;
	long nr;
} syscalls[] = {
	SC(getpid),	 SC(getppid),	SC(getcwd),	SC(uname),	SC(mkdirat),
	SC(personality), SC(unshare),	SC(setns),	SC(mount),	SC(umount2),
	SC(socket),	 SC(clone),	SC(clone3),	SC(chroot),	SC(keyctl),
	SC(ptrace),	 SC(acct),	SC(sethostname), SC(close),	SC(write),
	SC(kcmp),	 SC(swapoff),	SC(getrandom),	SC(io_uring_setup), SC(seccomp),
#ifdef SYS_mkdir
	SC(mkdir),
#endif
#ifdef SYS_arch_prctl
	SC(arch_prctl),
#endif
};

/* The first version of clone3's argument (CLONE_ARGS_SIZE_VER0). */
struct clone_args_v0 {
	unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
		tls;
};

static volatile sig_atomic_t got;
static void on_signal(int sig) { got = sig; }

static void usage(void)
{
	fputs("berth-testinit COMMAND [ARGS]\n"
	      "  true | false | exit N | echo ARGS | cat [FILE] | pid | ppid | hostname |\n"
	      "  domainname | ids | caps | status FIELD | fds | mounts | ifaces |\n"
	      "  rlimit NAME | sleep SECONDS | pause | trap | write FILE DATA | read FILE |\n"
	      "  ls DIR | env | cwd | tty | umask | stat PATH | clock NAME | mknod-test PATH |\n"
	      "  fork-sleep N SECONDS | syscall NAME [ARGS] | hog MB | forkbomb N |\n"
	      "  spin SECONDS | count FILE | open PATH [r|w] | sched\n",
	      stderr);
}

int main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int a = 1;
	const char *cmd = self;
	if (strcmp(self, "berth-testinit") == 0 || strcmp(self, "testinit") == 0) {
		if (argc < 2) {
			usage();
			return 2;
		}
		cmd = argv[1];
		a = 2;
	}
	int n = argc - a;
	char **v = argv + a;

	if (!strcmp(cmd, "true"))
		return 0;
	if (!strcmp(cmd, "false"))
		return 1;
	if (!strcmp(cmd, "exit"))
		return n ? atoi(v[0]) : 0;
	if (!strcmp(cmd, "echo")) {
		for (int i = 0; i < n; i++)
			printf("%s%s", i ? " " : "", v[i]);
		printf("\n");
		return 0;
	}
	if (!strcmp(cmd, "cat"))
		return n ? cat_file(v[0]) : cat_fd(0);
	if (!strcmp(cmd, "pid")) {
		printf("%d\n", getpid());
		return 0;
	}
	if (!strcmp(cmd, "ppid")) {
		printf("%d\n", getppid());
		return 0;
	}
	if (!strcmp(cmd, "hostname") || !strcmp(cmd, "domainname")) {
		struct utsname u;
		uname(&u);
		printf("%s\n", !strcmp(cmd, "hostname") ? u.nodename : u.domainname);
		return 0;
	}
	if (!strcmp(cmd, "ids")) {
		gid_t g[256];
		int ng = getgroups(256, g);
		printf("uid=%u gid=%u euid=%u egid=%u groups=", getuid(), getgid(), geteuid(),
		       getegid());
		for (int i = 0; i < ng; i++)
			printf("%s%u", i ? "," : "", g[i]);
		printf("\n");
		return 0;
	}
	if (!strcmp(cmd, "caps")) {
		const char *f[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
		for (int i = 0; i < 5; i++) {
			printf("%s: ", f[i]);
			fflush(stdout);
			if (status_field(f[i]))
				return 1;
		}
		return 0;
	}
	if (!strcmp(cmd, "status"))
		return n ? status_field(v[0]) : 2;
	if (!strcmp(cmd, "fds")) {
		DIR *d = opendir("/proc/self/fd");
		if (!d) {
			perror("/proc/self/fd");
			return 1;
		}
		int dfd = dirfd(d), first = 1;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || atoi(de->d_name) == dfd)
				continue;
			printf("%s%s", first ? "" : " ", de->d_name);
			first = 0;
		}
		printf("\n");
		closedir(d);
		return 0;
	}
	if (!strcmp(cmd, "mounts"))
		return cat_file("/proc/self/mountinfo");
	if (!strcmp(cmd, "ifaces")) {
		struct if_nameindex *ifs = if_nameindex();
		if (!ifs) {
			perror("if_nameindex");
			return 1;
		}
		for (struct if_nameindex *i = ifs; i->if_index; i++)
			printf("%s\n", i->if_name);
		if_freenameindex(ifs);
		return 0;
	}
	if (!strcmp(cmd, "rlimit")) {
		for (size_t i = 0; n && i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
			if (!strcmp(v[0], rlimits[i].name)) {
				struct rlimit rl;
				getrlimit(rlimits[i].res, &rl);
				printf("%llu %llu\n", (unsigned long long)rl.rlim_cur,
				       (unsigned long long)rl.rlim_max);
				return 0;
			}
		return 2;
	}
	if (!strcmp(cmd, "sleep")) {
		double s = n ? atof(v[0]) : 1;
		struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		return 0;
	}
	if (!strcmp(cmd, "pause")) {
		for (;;)
			pause();
	}
	if (!strcmp(cmd, "trap")) {
		/* Report the first of INT, TERM, HUP, USR1 that arrives. */
		int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1};
		for (int i = 0; i < 4; i++)
			signal(sigs[i], on_signal);
		printf("ready\n");
		fflush(stdout);
		while (!got)
			pause();
		printf("got %s\n", sigabbrev_np(got));
		return 0;
	}
	if (!strcmp(cmd, "write")) {
		if (n < 2)
			return 2;
		int fd = open(v[0], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, v[1], strlen(v[1])) < 0) {
			printf("%s: %s\n", v[0], strerrorname_np(errno));
			return 1;
		}
		close(fd);
		return 0;
	}
	if (!strcmp(cmd, "read")) {
		if (n < 1)
			return 2;
		int fd = open(v[0], O_RDONLY);
		if (fd < 0) {
			printf("%s: %s\n", v[0], strerrorname_np(errno));
			return 1;
		}
		int r = cat_fd(fd);
		close(fd);
		return r;
	}
	if (!strcmp(cmd, "ls")) {
		DIR *d = opendir(n ? v[0] : ".");
		if (!d) {
			printf("%s: %s\n", n ? v[0] : ".", strerrorname_np(errno));
			return 1;
		}
		struct dirent *de;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				printf("%s\n", de->d_name);
		closedir(d);
		return 0;
	}
	if (!strcmp(cmd, "env")) {
		for (char **e = environ; *e; e++)
			printf("%s\n", *e);
		return 0;
	}
	if (!strcmp(cmd, "cwd")) {
		char buf[4096];
		if (!getcwd(buf, sizeof(buf))) {
			printf("getcwd: %s\n", strerrorname_np(errno));
			return 1;
		}
		printf("%s\n", buf);
		return 0;
	}
	if (!strcmp(cmd, "tty")) {
		struct winsize ws = {0};
		int t = isatty(0);
		ioctl(0, TIOCGWINSZ, &ws);
		printf("%s %s %u %u\n", t ? "tty" : "notty", t ? ttyname(0) : "-", ws.ws_row,
		       ws.ws_col);
		return 0;
	}
	if (!strcmp(cmd, "umask")) {
		mode_t m = umask(0);
		printf("%04o\n", m);
		return 0;
	}
	if (!strcmp(cmd, "stat")) {
		struct stat st;
		if (n < 1)
			return 2;
		if (lstat(v[0], &st) < 0) {
			printf("%s: %s\n", v[0], strerrorname_np(errno));
			return 1;
		}
		const char *t = S_ISDIR(st.st_mode)	? "dir"
				: S_ISREG(st.st_mode)	? "file"
				: S_ISLNK(st.st_mode)	? "link"
				: S_ISCHR(st.st_mode)	? "char"
				: S_ISBLK(st.st_mode)	? "block"
				: S_ISFIFO(st.st_mode)	? "fifo"
							: "other";
		printf("%s %04o %u:%u", t, st.st_mode & 07777, st.st_uid, st.st_gid);
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
			printf(" %u:%u", major(st.st_rdev), minor(st.st_rdev));
		printf("\n");
		return 0;
	}
	if (!strcmp(cmd, "clock")) {
		struct timespec ts;
		clockid_t c = n && !strcmp(v[0], "boottime") ? CLOCK_BOOTTIME : CLOCK_MONOTONIC;
		clock_gettime(c, &ts);
		printf("%lld\n", (long long)ts.tv_sec);
		return 0;
	}
	if (!strcmp(cmd, "fork-sleep")) {
		/* Start N children that sleep, then wait for them. */
		int k = n ? atoi(v[0]) : 1;
		double s = n > 1 ? atof(v[1]) : 100;
		for (int i = 0; i < k; i++)
			if (fork() == 0) {
				struct timespec ts = {(time_t)s, 0};
				nanosleep(&ts, NULL);
				_exit(0);
			}
		printf("started\n");
		fflush(stdout);
		while (wait(NULL) > 0 || errno == EINTR)
			;
		return 0;
	}
	if (!strcmp(cmd, "sched")) {
		/* policy, nice, I/O priority (class:level), personality and
		 * the CPUs this process may run on. */
		long io = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
		cpu_set_t set;
		CPU_ZERO(&set);
		sched_getaffinity(0, sizeof(set), &set);
		printf("policy=%d nice=%d ioprio=%ld:%ld personality=0x%x cpus=", sched_getscheduler(0),
		       getpriority(PRIO_PROCESS, 0), io >> 13, io & 0xff, personality(0xffffffff));
		const char *sep = "";
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set)) {
				printf("%s%d", sep, c);
				sep = ",";
			}
		printf("\n");
		return 0;
	}
	if (!strcmp(cmd, "syscall")) {
		/* Call NAME raw with up to 6 arguments: a number (strtoull, so
		 * 0x.. too) is passed as one, anything else as a string.  clone
		 * gets SIGCHLD added to its flags, clone3 takes its flags as the
		 * only argument; the child exits at once and is waited for.
		 * Prints "NAME: ok" or "NAME: ERRNONAME" (exit 1). */
		long nr = -1, x[6] = {0};
		for (size_t i = 0; n && i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
			if (!strcmp(v[0], syscalls[i].name))
				nr = syscalls[i].nr;
		if (nr < 0)
			return 2;
		for (int i = 1; i < n && i <= 6; i++) {
			char *end;
			unsigned long long u = strtoull(v[i], &end, 0);
			x[i - 1] = (end == v[i] || *end) ? (long)v[i] : (long)u;
		}
		struct clone_args_v0 ca = {.flags = (unsigned long)x[0], .exit_signal = SIGCHLD};
		if (nr == SYS_clone && !(x[0] & 0xff))
			x[0] |= SIGCHLD;
		if (nr == SYS_clone3) {
			x[0] = (long)&ca;
			x[1] = sizeof(ca);
		}
		long r = syscall(nr, x[0], x[1], x[2], x[3], x[4], x[5]);
		int is_clone = nr == SYS_clone || nr == SYS_clone3;
		if (is_clone && r == 0)
			_exit(0);
		if (r < 0) {
			printf("%s: %s\n", v[0], strerrorname_np(errno));
			return 1;
		}
		if (is_clone)
			waitpid((pid_t)r, NULL, 0);
		printf("%s: ok\n", v[0]);
		return 0;
	}
	if (!strcmp(cmd, "open")) {
		/* open PATH [r|w]: print "ok" or the errno name. */
		if (n < 1)
			return 2;
		int fd = open(v[0], (n > 1 && v[1][0] == 'w') ? O_WRONLY : O_RDONLY);
		if (fd < 0) {
			printf("%s\n", strerrorname_np(errno));
			return 1;
		}
		printf("ok\n");
		close(fd);
		return 0;
	}
	if (!strcmp(cmd, "hog")) {
		/* Allocate and touch MB megabytes, 1 MB at a time. */
		long mb = n ? atol(v[0]) : 1024;
		for (long i = 0; i < mb; i++) {
			char *p = malloc(1 << 20);
			if (!p) {
				printf("malloc failed after %ld MB\n", i);
				return 1;
			}
			memset(p, 1, 1 << 20);
		}
		printf("allocated %ld MB\n", mb);
		return 0;
	}
	if (!strcmp(cmd, "forkbomb")) {
		/* Fork up to N children that wait; report how many forks worked. */
		int k = n ? atoi(v[0]) : 1000, made = 0, err = 0;
		for (int i = 0; i < k; i++) {
			pid_t c = fork();
			if (c == 0) {
				pause();
				_exit(0);
			}
			if (c < 0) {
				err = errno;
				break;
			}
			made++;
		}
		printf("forked %d%s%s\n", made, err ? " then " : "", err ? strerrorname_np(err) : "");
		fflush(stdout);
		kill(0, SIGKILL);
		return 0;
	}
	if (!strcmp(cmd, "spin")) {
		/* Burn CPU for SECONDS of wall time. */
		double s = n ? atof(v[0]) : 1;
		struct timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		volatile unsigned long x = 0;
		do {
			for (int i = 0; i < 100000; i++)
				x++;
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < s);
		return 0;
	}
	if (!strcmp(cmd, "udp-echo")) {
		/* udp-echo PORT: answer each datagram with "echo: " and it
		 * (busybox's nc has no UDP). */
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_port = htons((uint16_t)(n ? atoi(v[0]) : 0))};
		if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("udp-echo");
			return 1;
		}
		printf("udp-echo: listening\n");
		fflush(stdout);
		for (;;) {
			char buf[1024], out[1100];
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t r = recvfrom(s, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fl);
			if (r < 0)
				return 1;
			buf[r] = '\0';
			int m = snprintf(out, sizeof(out), "echo: %s", buf);
			(void)sendto(s, out, (size_t)m, 0, (struct sockaddr *)&from, fl);
		}
	}
	if (!strcmp(cmd, "count")) {
		/* Write an increasing counter to FILE every 10 ms, forever. */
		if (n < 1)
			return 2;
		for (unsigned long i = 0;; i++) {
			int fd = open(v[0], O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd >= 0) {
				dprintf(fd, "%lu\n", i);
				close(fd);
			}
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	usage();
	return 2;
}
