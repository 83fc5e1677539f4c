/* Where and how the runtime writes what a program produces: text exactly as
 * bpftrace prints it (JSON comes later through the same calls). */
#ifndef SONDE_OUTPUT_H
#define SONDE_OUTPUT_H

#include <stdio.h>

enum output_format {
	OUTPUT_TEXT,
	OUTPUT_JSON,
};

struct output {
	FILE *out;
	enum output_format format;
	/* names of the program's attach points, for values of type TY_PROBE */
	const char *const *probe_names;
	int nprobe_names;
};

#endif
