/* The small JSON writer behind -f json: strings escaped the way bpftrace
 * escapes them, but always valid UTF-8 JSON. */
#ifndef SONDE_JSON_H
#define SONDE_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Writes s[0..len) as the body of a JSON string, without the quotes:
 * '"', '\\', '\n', '\r', '\t' as two-character escapes, other control
 * bytes as \u00XX (bpftrace's spelling), valid UTF-8 sequences as they
 * are, and any byte that is not part of one as \u00XX (bpftrace 0.17
 * writes such bytes as "\uffffffc3": not JSON). */
void json_write_chars(FILE *f, const char *s, size_t len);
/* The same with the quotes. */
void json_write_string(FILE *f, const char *s, size_t len);

#endif
