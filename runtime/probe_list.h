/* -l: the attach points a pattern matches, as bpftrace lists them. */
#ifndef SONDE_PROBE_LIST_H
#define SONDE_PROBE_LIST_H

#include <stdbool.h>
#include <stdio.h>

/* Writes every attach point matching the glob pattern to out, sorted, one a
 * line ("tracepoint:sched:sched_switch").  NULL or "" lists everything.  A
 * pattern with a probe type ("t:sched:*") asks that type; one without
 * ("*sched_switch*") is matched against the last part of every name; one
 * that is the path of a binary lists its uprobes and usdt probes.
 * Returns 0, or -errno when the list could not be built. */
int probe_list(FILE *out, const char *pattern);
/* -lv: the same, each name followed by its arguments and their types
 * (tracepoint fields, BTF parameters, DWARF parameters), one per line
 * indented by four spaces, as bpftrace prints them. */
int probe_list_verbose(FILE *out, const char *pattern, bool verbose);
/* -l -p PID: the same for process pid (0: no process).  A pattern without
 * a type or with a wildcard type lists the process's uprobes and usdt
 * probes only: every function and probe of every file it has mapped
 * (executable and libraries); the file part of a uprobe or usdt pattern
 * is a glob over those files. */
int probe_list_pid(FILE *out, const char *pattern, bool verbose, int pid);

struct sema_program;
/* -l -e PROGRAM: the attach points the program's probes expand to, in
 * order, (-lv) each with its arguments. */
int probe_list_program(FILE *out, const struct sema_program *sp, bool verbose);

#endif
