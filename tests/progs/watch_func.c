/* watch_func CALLS WRITES [DISTINCT [PAUSE_MS LATER [GOFILE]]]: calls
 * store(p, WRITES) CALLS times, with p cycling through DISTINCT different
 * u64 slots (default CALLS of them); store writes *p WRITES times.  With
 * PAUSE_MS, it then sleeps that long and writes the first slot LATER more
 * times, itself.  With GOFILE, it first waits (up to 10 s) until that file
 * exists, so that a tracer started with -p attaches before the calls.
 * Every write is one volatile store: the hits a watchpoint on store's arg0
 * sees are known exactly, and the program prints what it did. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) void store(volatile unsigned long *p, long n)
{
	for (long i = 0; i < n; i++)
		*p = (unsigned long)i;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: watch_func CALLS WRITES [DISTINCT [PAUSE_MS LATER [GOFILE]]]\n");
		return 2;
	}
	long calls = atol(argv[1]), writes = atol(argv[2]);
	long distinct = argc > 3 ? atol(argv[3]) : calls;
	long pause_ms = argc > 5 ? atol(argv[4]) : 0, later = argc > 5 ? atol(argv[5]) : 0;
	if (argc > 6) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		for (int i = 0; i < 1000 && access(argv[6], F_OK); i++)
			nanosleep(&ts, NULL);
	}
	if (distinct < 1)
		distinct = 1;
	volatile unsigned long *slots = calloc((size_t)distinct, sizeof(*slots));
	if (!slots)
		return 1;
	for (long i = 0; i < calls; i++)
		store(&slots[i % distinct], writes);
	if (pause_ms) {
		usleep((useconds_t)pause_ms * 1000);
		for (long i = 0; i < later; i++)
			slots[0] = (unsigned long)i;
	}
	printf("watch_func: %ld calls, %ld writes each, %ld addresses, %ld later writes\n", calls,
	       writes, distinct, later);
	return 0;
}
