/* Whether this process may load and attach BPF programs, asked before
 * anything is loaded so that a missing privilege is one sentence, not a
 * libbpf error halfway through. */
#ifndef SONDE_PRIVILEGES_H
#define SONDE_PRIVILEGES_H

/* 0 when the effective capabilities allow it (CAP_BPF and CAP_PERFMON, or
 * CAP_SYS_ADMIN); else prints what is missing to stderr and returns -1. */
int privileges_check(void);

#endif
