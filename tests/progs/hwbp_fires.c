/* hwbp_fires: whether hardware breakpoints fire on this machine, for the
 * test runner's "NEEDS hw_breakpoints" (tests/run_cases.py).  Independent
 * of sonde on purpose: the program under test must not decide whether its
 * tests run.  Opens a disabled write breakpoint on a variable of its own
 * for this thread, enables it, writes the variable once, disables it and
 * reads the count.  Exit status 0 if it counted the one write; 1 if not,
 * and some virtual machines open breakpoints that never fire.  Prints one
 * line saying which and why. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>

static volatile uint64_t watched;

int main(void)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_BREAKPOINT;
	attr.size = sizeof(attr);
	attr.bp_type = HW_BREAKPOINT_W;
	attr.bp_addr = (uint64_t)(uintptr_t)&watched;
	attr.bp_len = HW_BREAKPOINT_LEN_8;
	attr.sample_period = 1;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	int fd = (int)syscall(__NR_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0) {
		printf("this machine has no usable hardware breakpoints: "
		       "perf_event_open(PERF_TYPE_BREAKPOINT): %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
		printf("this machine has no usable hardware breakpoints: "
		       "PERF_EVENT_IOC_ENABLE: %s\n", strerror(errno));
		return 1;
	}
	watched = 1;
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	uint64_t count = 0;
	if (read(fd, &count, sizeof(count)) != (ssize_t)sizeof(count)) {
		printf("cannot read the hardware breakpoint's count: %s\n", strerror(errno));
		return 1;
	}
	if (count != 1) {
		printf("this machine does not fire hardware breakpoints: a write breakpoint "
		       "counted %llu of 1 write\n", (unsigned long long)count);
		return 1;
	}
	printf("hardware breakpoints fire: a write breakpoint counted 1 of 1 write\n");
	return 0;
}
