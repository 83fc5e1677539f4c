/* Whether hardware breakpoints fire on this machine.  Some virtual machines
 * open PERF_TYPE_BREAKPOINT events but never pass the debug registers
 * through: the events count nothing, and a watchpoint would stay silent. */
#ifndef SONDE_HWBP_H
#define SONDE_HWBP_H

/* 1: a write breakpoint fired; 0: it opened but never fired; -errno: it
 * could not be opened or enabled.  For 0 and -errno, *why (if why is not
 * NULL) is one sentence saying so.  Tried once per run; later calls give
 * the same answer. */
int hwbp_fires(const char **why);

#endif
