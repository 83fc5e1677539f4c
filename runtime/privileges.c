/* See privileges.h.  The effective set is read from /proc/self/status
 * (CapEff), which needs no libcap. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/privileges.h"

#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT 38
#define CAP_BPF_BIT 39

static bool effective_caps(uint64_t *caps)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	bool found = false;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %" SCNx64, caps) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found;
}

int privileges_check(void)
{
	uint64_t caps;
	if (!effective_caps(&caps))
		return geteuid() == 0 ? 0 : (fprintf(stderr, "sonde: loading BPF programs needs root "
								"(or CAP_BPF and CAP_PERFMON); run it with sudo\n"), -1);
	bool admin = caps >> CAP_SYS_ADMIN_BIT & 1;
	bool bpf = caps >> CAP_BPF_BIT & 1;
	bool perfmon = caps >> CAP_PERFMON_BIT & 1;
	if (admin || (bpf && perfmon))
		return 0;
	if (geteuid() != 0) {
		fprintf(stderr, "sonde: loading BPF programs needs root (or CAP_BPF and CAP_PERFMON); "
				"run it with sudo\n");
		return -1;
	}
	const char *missing = !bpf && !perfmon ? "CAP_BPF and CAP_PERFMON"
			      : !bpf	       ? "CAP_BPF"
					       : "CAP_PERFMON";
	fprintf(stderr, "sonde: loading BPF programs needs %s (or CAP_SYS_ADMIN), which this root "
			"process does not have: its capabilities were dropped (a container, "
			"capsh, systemd's CapabilityBoundingSet)\n", missing);
	return -1;
}
