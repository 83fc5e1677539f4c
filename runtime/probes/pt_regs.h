/* The x86-64 pt_regs context of kprobes and uprobes: argN and retval as
 * context builtins. */
#ifndef SONDE_PT_REGS_H
#define SONDE_PT_REGS_H

#include "runtime/probes/probe.h"

/* Byte offset of register name ("di", "ax", "r8", ...) in struct pt_regs,
 * or -1. */
int pt_regs_offset(const char *reg);
/* Sets ap->fields to arg0..arg5 (uint64, in the argument registers) and,
 * with retval, retval (int64, in ax). */
void pt_regs_context(struct arena *a, struct attach_point *ap, bool retval);

#endif
