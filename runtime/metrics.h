/* --metrics ADDR:PORT: the program's maps in the Prometheus text exposition
 * format, served over HTTP by a thread of its own.
 *
 *   count, sum          counter  sonde_NAME_total{key labels} value
 *   min, max, avg,
 *   integer values      gauge    sonde_NAME{key labels} value
 *   stats               summary  sonde_NAME_sum, sonde_NAME_count
 *   hist, lhist         histogram sonde_NAME_bucket{le="..."} (cumulative,
 *                       le is the bucket's inclusive upper bound), le="+Inf",
 *                       sonde_NAME_count
 *   lost events         counter  sonde_lost_events_total
 *
 * NAME is the map's name without '@' ("map" for @), characters outside
 * [a-zA-Z0-9_] as '_'.  Key parts become labels named after the key
 * expressions of the map's first keyed use when each is a builtin, a
 * variable or a field (@[comm, $fd] -> comm="...",fd="..."), else "key"
 * for a single key, "key0", "key1", ... for several; values are their
 * text form.
 * Maps whose values are strings or tuples are not exported. */
#ifndef SONDE_METRICS_H
#define SONDE_METRICS_H

#include <stdio.h>

struct runtime;
struct metrics;

/* addr: "PORT", ":PORT", "HOST:PORT" or "[V6]:PORT"; HOST defaults to
 * 127.0.0.1.  NULL after one sentence on stderr. */
struct metrics *metrics_start(struct runtime *rt, const char *addr);
void metrics_stop(struct metrics *m);
/* The exposition text for the maps as they are now. */
void metrics_write(struct runtime *rt, FILE *f);

#endif
