/* -v: per-program statistics after loading (instructions, what the verifier
 * processed, load time, JIT size); --dump=bpf: the loaded instructions. */
#ifndef SONDE_PROG_STATS_H
#define SONDE_PROG_STATS_H

#include <stdio.h>

struct runtime;

/* Before bpf_object__load(): notes when loading started. */
int prog_stats_prepare(struct runtime *rt);
/* After it: one table on stderr. */
void prog_stats_report(struct runtime *rt);
/* Every program's instructions as loaded, in the kernel verifier's syntax,
 * with the source line each block comes from.  Returns 0 or -1. */
int prog_dump_bpf(struct runtime *rt, FILE *f);

#endif
