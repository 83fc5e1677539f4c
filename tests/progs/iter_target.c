/* iter_target FILE FD NTHREADS: opens FILE as descriptor FD, starts
 * NTHREADS threads named "iterworker", prints "ready" once they all run,
 * then sleeps until killed (at most 60 s).  A tracer iterating over tasks
 * and their files must find this process with 1 + NTHREADS tasks (their
 * ids are in /proc/PID/task) and FILE at FD (inode: stat -c %i FILE). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

static pthread_barrier_t started;

static void *worker(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "iterworker");
	pthread_barrier_wait(&started);
	sleep(60);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: iter_target FILE FD NTHREADS\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	int want = atoi(argv[2]), n = atoi(argv[3]);
	if (fd < 0 || dup2(fd, want) != want) {
		perror("iter_target");
		return 1;
	}
	if (fd != want)
		close(fd);
	pthread_barrier_init(&started, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, worker, NULL)) {
			fprintf(stderr, "iter_target: pthread_create failed\n");
			return 1;
		}
	}
	pthread_barrier_wait(&started);
	printf("ready\n");
	fflush(stdout);
	sleep(60);
	return 0;
}
