/* The process a run is about: -p PID (running already) or -c CMD (started
 * by sonde, held until the probes are attached). */
#ifndef SONDE_TARGET_H
#define SONDE_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct target {
	pid_t pid;		/* 0: none */
	bool child;		/* -c: ours to start and reap */
	int release_fd;		/* -c: writing to it lets the child exec */
	bool gone;
	int status;		/* exit status once gone (child) */
};

/* -c: forks a child that waits until target_release, then runs cmd (split
 * into words like a shell does with quotes, but no shell runs).  Returns 0
 * or -errno with a sentence printed. */
int target_spawn(struct target *t, const char *cmd);
/* -p: checks the process exists.  Returns 0 or -errno with a sentence. */
int target_attach_pid(struct target *t, pid_t pid);
void target_release(struct target *t);
/* Whether the target ended (reaping the child); non-blocking. */
bool target_gone(struct target *t);
/* Ends a child that never got to run (an error before release). */
void target_abandon(struct target *t);
/* At the end of a run: a child not yet released is dropped, a running one
 * gets SIGTERM and is reaped. */
void target_finish(struct target *t);
/* sonde's pid namespace when it is not the initial one (dev and inode of
 * /proc/self/ns/pid), for namespace-aware pid filters; false otherwise. */
bool target_pid_namespace(uint64_t *dev, uint64_t *ino);

#endif
