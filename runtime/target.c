#define _GNU_SOURCE /* pipe2 */
#include <fcntl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/target.h"

/* The kernel's inode number of the initial pid namespace (PROC_PID_INIT_INO). */
#define INIT_PID_NS_INO 0xEFFFFFFCu

/* Splits cmd into words: blanks separate them, '...' and "..." quote,
 * backslash escapes outside single quotes. */
static char **split_words(const char *cmd)
{
	size_t len = strlen(cmd);
	char **argv = calloc(len / 2 + 2, sizeof(*argv));
	char *buf = malloc(len + 1);
	if (!argv || !buf) {
		free(argv);
		free(buf);
		return NULL;
	}
	int argc = 0;
	char *out = buf;
	const char *p = cmd;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		argv[argc++] = out;
		char quote = 0;
		for (; *p && (quote || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
			if (quote && *p == quote)
				quote = 0;
			else if (!quote && (*p == '\'' || *p == '"'))
				quote = *p;
			else if (*p == '\\' && quote != '\'' && p[1])
				*out++ = *++p;
			else
				*out++ = *p;
		}
		*out++ = 0;
	}
	argv[argc] = NULL;
	if (!argc) {
		free(argv);
		free(buf);
		return NULL;
	}
	return argv;
}

int target_spawn(struct target *t, const char *cmd)
{
	memset(t, 0, sizeof(*t));
	char **argv = split_words(cmd);
	if (!argv) {
		fprintf(stderr, "sonde: -c needs a command to run\n");
		return -EINVAL;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC)) {
		int err = errno;
		fprintf(stderr, "sonde: cannot start %s: %s\n", argv[0], strerror(err));
		free(argv[0]);
		free(argv);
		return -err;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		fprintf(stderr, "sonde: cannot start %s: %s\n", argv[0], strerror(err));
		close(fds[0]);
		close(fds[1]);
		free(argv[0]);
		free(argv);
		return -err;
	}
	if (pid == 0) {
		/* wait for the probes: a byte means go, end of file means stop */
		char go;
		close(fds[1]);
		if (read(fds[0], &go, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "sonde: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	free(argv[0]);
	free(argv);
	t->pid = pid;
	t->child = true;
	t->release_fd = fds[1];
	return 0;
}

int target_attach_pid(struct target *t, pid_t pid)
{
	memset(t, 0, sizeof(*t));
	if (pid <= 0 || (kill(pid, 0) && errno == ESRCH)) {
		fprintf(stderr, "sonde: no process with pid %d\n", (int)pid);
		return -ESRCH;
	}
	t->pid = pid;
	t->release_fd = -1;
	return 0;
}

void target_release(struct target *t)
{
	if (t->child && t->release_fd >= 0) {
		char go = 1;
		if (write(t->release_fd, &go, 1) != 1)
			perror("sonde: cannot start the command");
		close(t->release_fd);
		t->release_fd = -1;
	}
}

bool target_gone(struct target *t)
{
	if (!t->pid || t->gone)
		return t->gone;
	if (t->child) {
		int status;
		if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
			t->gone = true;
			t->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
	} else if (kill(t->pid, 0) && errno == ESRCH) {
		t->gone = true;
	}
	return t->gone;
}

void target_abandon(struct target *t)
{
	if (!t->child || t->gone)
		return;
	if (t->release_fd >= 0) {
		close(t->release_fd); /* end of file: the child exits */
		t->release_fd = -1;
	}
	int status;
	waitpid(t->pid, &status, 0);
	t->gone = true;
}

bool target_pid_namespace(uint64_t *dev, uint64_t *ino)
{
	struct stat st;
	if (stat("/proc/self/ns/pid", &st) || st.st_ino == INIT_PID_NS_INO)
		return false;
	*dev = (uint64_t)st.st_dev;
	*ino = (uint64_t)st.st_ino;
	return true;
}

void target_finish(struct target *t)
{
	if (!t->child || t->gone)
		return;
	if (t->release_fd >= 0) {
		target_abandon(t);
		return;
	}
	/* sonde ends first (exit(), a signal): the command ends with it */
	int status;
	if (waitpid(t->pid, &status, WNOHANG) == 0) {
		kill(t->pid, SIGTERM);
		waitpid(t->pid, &status, 0);
	}
	t->gone = true;
}
