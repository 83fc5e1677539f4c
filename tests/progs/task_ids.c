/* task_ids: syscalls whose context tells a tracer what its task builtins
 * must say, without it knowing the ids in advance:
 *   1. kill(getppid(), 0): sys_enter_kill's args->pid is the caller's ppid;
 *   2. a second thread named "worker" calls getppid(): there comm is
 *      "worker" and pcomm (the process's) is still "task_ids";
 *   3. the process becomes uid/gid 65534 ("nobody") and calls getppid():
 *      uid is 65534 and username "nobody".
 * Signal 0 delivers nothing. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *worker(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "worker");
	syscall(SYS_getppid);
	return NULL;
}

int main(void)
{
	pthread_t t;

	syscall(SYS_kill, getppid(), 0);
	if (pthread_create(&t, NULL, worker, NULL) == 0)
		pthread_join(t, NULL);
	if (setgid(65534) == 0 && setuid(65534) == 0)
		syscall(SYS_getppid);
	return 0;
}
