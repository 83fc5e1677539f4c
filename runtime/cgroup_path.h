/* The paths of a cgroup id in the mounted hierarchies (cgroup_path()). */
#ifndef SONDE_CGROUP_PATH_H
#define SONDE_CGROUP_PATH_H

#include <stdint.h>

/* "unified:/a/b,cpu:/a": the hierarchies whose name matches the glob
 * filter (NULL: all) where a cgroup with this id exists, as bpftrace
 * prints them; "" when none.  Malloc'd (NULL when out of memory). */
char *cgroup_path_text(uint64_t id, const char *filter);

#endif
