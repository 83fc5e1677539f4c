/* Resuming a process a hidden program stopped (watchpoint:FUNC+argN): only
 * once it is stopped and every report of that stop is handled.  Several
 * hidden programs on one function each send SIGSTOP and an event in the
 * same trap; the process stops on its way back to user space, so once it is
 * seen stopped, all of that trap's events are in the ring buffer. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "runtime/runtime.h"

void runtime_resume_later(struct runtime *rt, int pid)
{
	rt->resume_pid = pid;
}

/* Whether process pid is in a stop ('T' in /proc/PID/stat). */
static bool stopped(int pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return true; /* gone: nothing to wait for */
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *paren = strrchr(buf, ')');
	return !paren || paren[1] != ' ' || paren[2] == 'T' || paren[2] == 't' ||
	       paren[2] == 'Z' || paren[2] == 'X';
}

void runtime_resume(struct runtime *rt)
{
	while (rt->resume_pid > 0) {
		int pid = rt->resume_pid;
		/* bounded: a SIGCONT of ours may have cancelled this stop */
		struct timespec ms = {0, 1000 * 1000};
		for (int i = 0; i < 100 && !stopped(pid); i++)
			nanosleep(&ms, NULL);
		rt->resume_pid = 0;
		ring_buffer__consume(rt->rb);
		if (!rt->resume_pid)
			kill(pid, SIGCONT);
	}
}
