/* pid_tid: from the main thread and then from a second thread, call
 * tgkill(getpid(), gettid(), 0) and kill(getpid(), 0).  Signal 0 delivers
 * nothing; the point is that the syscall's arguments carry the caller's own
 * process and thread ids, so a tracer can compare them with its pid and tid
 * builtins without knowing them in advance:
 *   sys_enter_tgkill: args->tgid == pid, args->pid == tid
 *   sys_enter_kill:   args->pid == pid
 * In the second thread tid != pid, which is what tells tid from pid. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(void)
{
	pid_t pid = getpid();
	pid_t tid = (pid_t)syscall(SYS_gettid);

	syscall(SYS_tgkill, pid, tid, 0);
	syscall(SYS_kill, pid, 0);
}

static void *thread_main(void *arg)
{
	(void)arg;
	report();
	return NULL;
}

int main(void)
{
	pthread_t t;

	report();
	if (pthread_create(&t, NULL, thread_main, NULL) != 0) {
		fprintf(stderr, "pid_tid: pthread_create failed\n");
		return 1;
	}
	pthread_join(t, NULL);
	return 0;
}
