/* The runtime: load the BPF object, attach, consume events, print maps. */
#ifndef SONDE_RUNTIME_H
#define SONDE_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast/sema.h"
#include "runtime/map_print.h"
#include "runtime/output.h"

struct bpf_object;
struct ring_buffer;
struct loaded_probe;
struct target;

struct runtime_opts {
	bool dry_run;	/* load but do not attach or run */
	bool quiet;	/* no "Attaching N probes..." */
	bool verbose;
	struct target *target;	/* -p or -c, or NULL */
	/* output side (runtime/output.h, runtime/report.h) */
	struct output_opts output;	/* -f, -o, -B */
	uint64_t interval_ns;	/* --interval: print every map this often (0: never) */
	bool interval_clear;	/* --interval-clear: and clear them */
	bool live;		/* --live: redraw the maps in place on a terminal */
	const char *metrics;	/* --metrics ADDR:PORT */
	bool stats;		/* -v: per-program instruction counts and load times */
	bool dump_bpf;		/* --dump=bpf: print the loaded instructions, do not attach */
};

struct report;

struct runtime {
	struct sema_program *sp;
	struct runtime_opts opts;
	struct output out;
	struct bpf_object *obj;
	struct ring_buffer *rb;
	int *map_fds;		/* by sema_map id */
	bool *map_zeroed;	/* by sema_map id: zero() or clear() ran on it */
	int lost_fd;
	int globals_fd;		/* start time, exit flag (SONDE_GLOBAL_*) */
	uint64_t *globals;	/* the same array mapped, or NULL: see globals_map */
	size_t globals_len;
	struct loaded_probe *probes;
	int nprobes;
	int ncpus;		/* possible CPUs: per-CPU value arrays */
	bool exiting;
	bool in_end;		/* running END: its events are shown after exit() */
	int exit_code;
	uint64_t lost_reported;
	struct report *report;	/* interval, live view, metrics, lost events */
	int resume_pid;		/* stopped by a hidden program: resume it (runtime/resume.c) */
};

/* The whole run: load, attach, BEGIN, poll until exit() or a signal, END,
 * print maps, detach.  Returns the process exit status. */
int runtime_run(struct sema_program *sp, const void *elf, size_t len,
		const struct runtime_opts *opts);

/* ----- used by stdlib entries' print hooks ----- */
void runtime_request_exit(struct runtime *rt, int code);
/* Prints map m as print(@m, top, div) does. */
void runtime_print_map(struct runtime *rt, const struct sema_map *m, uint32_t top, uint64_t div);
void runtime_clear_map(struct runtime *rt, const struct sema_map *m, bool zero);
void runtime_print_all_maps(struct runtime *rt);
/* A hidden program stopped process pid (watchpoint:FUNC+argN): resume it
 * after this batch of events, once it is stopped and the events of the same
 * stop are handled (runtime_resume, called after each batch). */
void runtime_resume_later(struct runtime *rt, int pid);
void runtime_resume(struct runtime *rt);
/* Events the BPF side could not put into the full ring buffer, so far. */
uint64_t runtime_lost_total(struct runtime *rt);

#endif
