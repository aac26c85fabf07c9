/* berth-monitor: what stays with each running container (see
 * src/monitor/monitor.h).  Static and small: its pages are shared between
 * all monitors. */
#include "monitor/monitor.h"

int main(int argc, char **argv)
{
	return monitor_main(argc, argv);
}
