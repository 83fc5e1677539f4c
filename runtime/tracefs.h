/* tracefs: the kernel's tracing file system, asked for the tracepoints that
 * exist and for the record layout of one of them.  Read lazily: nothing is
 * touched until a tracepoint is named or listed, and the list of events is
 * read once per process. */
#ifndef SONDE_TRACEFS_H
#define SONDE_TRACEFS_H

#include <stdbool.h>
#include <stddef.h>

#include "ast/arena.h"

/* The tracefs directory ("/sys/kernel/tracing"), mounting tracefs there when
 * it is missing, else the debugfs path.  NULL when neither is usable; then
 * tracefs_error() is one sentence saying why. */
const char *tracefs_root(void);
const char *tracefs_error(void);

/* One tracepoint that programs can attach to. */
struct tracefs_event {
	const char *full;     /* "sched:sched_switch" */
	const char *category; /* "sched" */
	const char *name;     /* "sched_switch" */
};

/* Every attachable tracepoint, sorted by full name (byte order, as bpftrace
 * lists them).  Returns the count, or -errno with tracefs_error() set. */
int tracefs_events(const struct tracefs_event **events);

bool tracefs_event_exists(const char *category, const char *name);
bool tracefs_category_exists(const char *category);

/* One "field:" line of a format file, common_* fields included. */
struct tracefs_field {
	char *decl_type;  /* "const char *", "char", "__data_loc char[]" */
	char *name;	  /* "filename" */
	int array_len;	  /* "char comm[16]": 16; "u8 buf[]": 0; not an array: -1 */
	unsigned offset, size;
	bool is_signed;
};

/* Parses events/CATEGORY/NAME/format.  Fields are allocated in the arena.
 * Returns the number of fields, or -errno with tracefs_error() set. */
int tracefs_format(struct arena *a, const char *category, const char *name,
		   struct tracefs_field **fields);

#endif
