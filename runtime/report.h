/* What the runtime prints besides events and the final maps: --interval and
 * --interval-clear, the --live view, the --metrics endpoint, and lost-event
 * reports.  run.c calls these four hooks and nothing else of it. */
#ifndef SONDE_REPORT_H
#define SONDE_REPORT_H

#include <stdbool.h>
#include <stdint.h>

struct runtime;

/* After loading, before attaching: starts the metrics endpoint and the live
 * view.  Returns 0, or -1 after one sentence on stderr. */
int report_start(struct runtime *rt);
/* Once per turn of the event loop (about every 100 ms): prints the maps when
 * an interval has passed, redraws the live view, reports lost events (once
 * per interval, or at once when final). */
void report_tick(struct runtime *rt, bool final);
/* The run is ending: the live view gives the terminal back, so that END's
 * output and the final maps print normally. */
void report_stop(struct runtime *rt);
void report_free(struct runtime *rt);

/* "1s", "500ms", "2m", "100us", "3" (seconds) -> nanoseconds; -1 if bad. */
int report_parse_duration(const char *s, uint64_t *ns);

#endif
