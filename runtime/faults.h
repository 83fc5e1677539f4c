/* Runtime faults the BPF side counted (codegen/cg_errors.c): map updates a
 * full map dropped, and with -k probe reads that failed.  Reported at most
 * once a second per site, and once more at the end, with the number of
 * failures since the last report: in text as a warning on stderr at the
 * script's line and column, with -f json as a "helper_error" record. */
#ifndef SONDE_FAULTS_H
#define SONDE_FAULTS_H

#include <stdbool.h>

struct runtime;
struct faults;

/* NULL when the program counts nothing (or out of memory). */
struct faults *faults_start(struct runtime *rt);
/* Reports what failed since the last call. */
void faults_report(struct runtime *rt, struct faults *f);
void faults_free(struct faults *f);

#endif
