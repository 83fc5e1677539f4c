/* vma_many N: maps N pages as N separate memory maps (vmas): one region
 * whose pages alternate between PROT_READ and PROT_NONE, so that no two
 * neighbours merge.  Prints "ready" once they exist, then sleeps until
 * killed (at most 60 s).  /proc/PID/maps has a line for each of them: the
 * ground truth for an iter:task_vma walk that prints more than the ring
 * buffer holds (tests/cases/iter.case). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	long page = sysconf(_SC_PAGESIZE);
	if (n <= 0) {
		fprintf(stderr, "usage: vma_many N\n");
		return 2;
	}
	char *p = mmap(NULL, (size_t)(n * page), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (long i = 0; i < n; i += 2)
		if (mprotect(p + i * page, (size_t)page, PROT_READ)) {
			perror("mprotect");
			return 1;
		}
	printf("ready\n");
	fflush(stdout);
	sleep(60);
	return 0;
}
