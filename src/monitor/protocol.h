/* protocol.h: what the engine and a container's monitor say to each other.
 *
 * Every socket between them is a unix SOCK_SEQPACKET socket: one message
 * per datagram, its first byte the type, the rest the payload.  The
 * starter (the `berth` process that spawned the monitor) holds the first
 * connection, made with socketpair before the fork; later clients
 * (`berth attach`, `start -a`) connect to <state-dir>/attach.
 *
 * Files in the monitor's state directory (<runroot>/containers/<id>/):
 *   attach       the socket above
 *   pid          the container init's host pid (written by the runtime)
 *   exit         "<code>\n<finished, RFC 3339>\n" once the init has exited
 *                (written atomically before the cleanup command runs)
 *   runtime.log  an external runtime's log (JSON lines) */
#pragma once

/* The largest message, header included. */
#define MON_MSG_MAX 32768

/* monitor -> starter */
#define MON_STARTED 'S' /* payload: the init's pid, decimal */
#define MON_FAILED 'F'	/* payload: "<err kind> <errno> <message>" */
/* monitor -> clients */
#define MON_STDOUT '1' /* payload: bytes the container wrote */
#define MON_STDERR '2'
#define MON_EXIT 'X' /* payload: exit code, decimal; the last message */
/* clients -> monitor */
#define MON_STDIN 'i'	  /* payload: bytes for the container's stdin */
#define MON_STDIN_EOF 'e' /* close the container's stdin (no tty) */
#define MON_RESIZE 'w'	  /* payload: "<rows> <cols>" */
#define MON_CLEANED 'c'	  /* after MON_EXIT: the client has recorded the exit
			   * (`berth container cleanup` in its own process) */
