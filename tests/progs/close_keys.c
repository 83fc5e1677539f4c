/* close_keys N [first]: call close(first + i) for i in 0..N-1 (first defaults
 * to 100000, descriptors this process does not have, so every call fails
 * with EBADF at once).  A tracer keyed on sys_enter_close's fd sees exactly N
 * distinct keys from this process: the map-size benchmark (tests/bench). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: close_keys N [first]\n");
		return 2;
	}
	long n = atol(argv[1]);
	long first = argc > 2 ? atol(argv[2]) : 100000;

	for (long i = 0; i < n; i++)
		syscall(SYS_close, (int)(first + i));
	return 0;
}
