/* getppid_loop N [interval_us]: call getppid() N times (N = 0: forever, until
 * killed), sleeping interval_us microseconds between calls when given.
 * Its comm, "getppid_loop", lets a predicate isolate it from system noise. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: getppid_loop N [interval_us]\n");
		return 2;
	}
	long long n = atoll(argv[1]);
	long interval_us = argc > 2 ? atol(argv[2]) : 0;
	struct timespec ts = { interval_us / 1000000, (interval_us % 1000000) * 1000 };

	for (long long i = 0; n == 0 || i < n; i++) {
		/* The raw syscall: libc could cache or vDSO-route it one day. */
		syscall(SYS_getppid);
		if (interval_us > 0)
			nanosleep(&ts, NULL);
	}
	return 0;
}
