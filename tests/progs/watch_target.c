/* watch_target WRITES READS [GOFILE|-] [thread]: maps a page at the fixed
 * address 0x10000000 (the address watchpoint tests name), writes the u64
 * there WRITES times, then reads it READS times, and exits.  With GOFILE, it
 * first waits (up to 10 s) until that file exists, so a tracer started with
 * -p can attach before the accesses begin.  With "thread", a new thread
 * does the accesses (the main thread waits for it).  Each access is one volatile load or
 * store: the count of watchpoint hits is known exactly. */
#define _GNU_SOURCE
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define WATCH_ADDR 0x10000000UL

static void *page;
static long writes, reads;

static void *accesses(void *unused)
{
	(void)unused;
	volatile unsigned long *var = page;
	for (long i = 0; i < writes; i++)
		*var = (unsigned long)i;
	unsigned long sum = 0;
	for (long i = 0; i < reads; i++)
		sum += *var;
	printf("watch_target: %ld writes, %ld reads, sum %lu\n", writes, reads, sum);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: watch_target WRITES READS [GOFILE|-] [thread]\n");
		return 2;
	}
	writes = atol(argv[1]);
	reads = atol(argv[2]);
	page = mmap((void *)WATCH_ADDR, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (page != (void *)WATCH_ADDR) {
		perror("watch_target: mmap at 0x10000000");
		return 1;
	}
	if (argc > 3 && strcmp(argv[3], "-")) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		for (int i = 0; i < 1000 && access(argv[3], F_OK); i++)
			nanosleep(&ts, NULL);
	}
	if (argc > 4 && !strcmp(argv[4], "thread")) {
		pthread_t t;
		if (pthread_create(&t, NULL, accesses, NULL) || pthread_join(t, NULL))
			return 1;
	} else {
		accesses(NULL);
	}
	return 0;
}
