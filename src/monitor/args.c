/* args.c: the options of berth-launch and berth-monitor. */
#include <getopt.h>
#include <stdio.h>

#include "base/parse-util.h"
#include "base/util.h"
#include "monitor/monitor.h"

static int parse_fd(const char *s)
{
	int64_t v;
	if (parse_i64(s, &v) < 0 || v < -1 || v > 65535)
		return -2;
	return (int)v;
}

enum {
	O_ID = 1,
	O_BUNDLE,
	O_RUNTIME_ROOT,
	O_STATE_DIR,
	O_MONITOR,
	O_RUNTIME,
	O_LOG_DRIVER,
	O_LOG_PATH,
	O_TTY,
	O_STDIN,
	O_SIZE,
	O_CTL,
	O_OUT,
	O_ERR,
	O_IN,
	O_MASTER,
	O_LISTEN,
	O_PID,
	O_HEALTH,
};

int mon_parse_args(struct mon *m, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"id", required_argument, NULL, O_ID},
		{"bundle", required_argument, NULL, O_BUNDLE},
		{"runtime-root", required_argument, NULL, O_RUNTIME_ROOT},
		{"state-dir", required_argument, NULL, O_STATE_DIR},
		{"monitor", required_argument, NULL, O_MONITOR},
		{"runtime", required_argument, NULL, O_RUNTIME},
		{"log-driver", required_argument, NULL, O_LOG_DRIVER},
		{"log-path", required_argument, NULL, O_LOG_PATH},
		{"tty", no_argument, NULL, O_TTY},
		{"stdin", no_argument, NULL, O_STDIN},
		{"console-size", required_argument, NULL, O_SIZE},
		{"ctl-fd", required_argument, NULL, O_CTL},
		{"out-fd", required_argument, NULL, O_OUT},
		{"err-fd", required_argument, NULL, O_ERR},
		{"in-fd", required_argument, NULL, O_IN},
		{"master-fd", required_argument, NULL, O_MASTER},
		{"listen-fd", required_argument, NULL, O_LISTEN},
		{"pid", required_argument, NULL, O_PID},
		{"health-interval", required_argument, NULL, O_HEALTH},
		{0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_ID: m->id = optarg; break;
		case O_BUNDLE: m->bundle = optarg; break;
		case O_RUNTIME_ROOT: m->runtime_root = optarg; break;
		case O_STATE_DIR: m->state_dir = optarg; break;
		case O_MONITOR: m->monitor = optarg; break;
		case O_RUNTIME: m->runtime = optarg; break;
		case O_LOG_DRIVER:
			if (log_driver_parse(optarg, &m->log_driver) < 0)
				return -1;
			break;
		case O_LOG_PATH: m->log_path = optarg; break;
		case O_TTY: m->tty = true; break;
		case O_STDIN: m->stdin_open = true; break;
		case O_SIZE:
			if (sscanf(optarg, "%ux%u", &m->rows, &m->cols) != 2)
				return -1;
			break;
		case O_CTL: m->ctl = parse_fd(optarg); break;
		case O_OUT: m->out = parse_fd(optarg); break;
		case O_ERR: m->err = parse_fd(optarg); break;
		case O_IN: m->in = parse_fd(optarg); break;
		case O_MASTER: m->master = parse_fd(optarg); break;
		case O_LISTEN: m->listen = parse_fd(optarg); break;
		case O_PID: {
			int64_t v;
			if (parse_i64(optarg, &v) < 0 || v <= 0 || v > INT32_MAX)
				return -1;
			m->pid = (pid_t)v;
			break;
		}
		case O_HEALTH: {
			int64_t v;
			if (parse_i64(optarg, &v) < 0 || v < 0 || v > 86400000)
				return -1;
			m->health_ms = (unsigned)v;
			break;
		}
		default: return -1;
		}
	}
	if (m->ctl < -1 || m->out < -1 || m->err < -1 || m->in < -1 || m->master < -1 ||
	    m->listen < -1 || !m->state_dir)
		return -1;
	m->cleanup = argv + optind;
	return 0;
}

