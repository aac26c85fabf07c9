/* berth-launch: creates and starts a container for the engine, then
 * becomes its monitor (see src/monitor/monitor.h).  Static, like
 * berth-runtime: it runs the runtime library from a sealed copy. */
#include "base/log.h"
#include "monitor/monitor.h"

int main(int argc, char **argv)
{
	log_init("berth-launch");
	return launch_main(argc, argv);
}
