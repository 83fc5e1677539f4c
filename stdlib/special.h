/* Values of type TY_SPECIAL: what the BPF side writes is an id, an address
 * or raw bytes; the runtime turns it into text when it is printed, in
 * bpftrace's format (user names, function names, symbols, stacks, buffers,
 * addresses, times). */
#ifndef SONDE_SPECIAL_H
#define SONDE_SPECIAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "ast/types.h"
#include "runtime/output.h"

/* The text of a special value (malloc'd; NULL when out of memory).
 * key: the value is (part of) a map key. */
char *special_text(const struct output *o, const struct type *t, const uint8_t *data, bool key);
/* Writes the same text to o->out. */
void special_print(const struct output *o, const struct type *t, const uint8_t *data, bool key);

/* A buffer from buf() as printf's %r (hex 0), %rx ('x') or %rh ('h'). */
void special_print_buf(const struct output *o, const struct type *t, const uint8_t *data, char hex);

/* strftime(3) of fmt at sec.nsec (local time), with bpftrace's %f for the
 * microseconds; returns the length written (0: nothing, or too long). */
size_t time_format(char *out, size_t size, const char *fmt, time_t sec, long nsec);

#endif
