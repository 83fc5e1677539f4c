/* Reading and clearing the program's maps from userspace. */
#ifndef SONDE_MAP_READ_H
#define SONDE_MAP_READ_H

#include "ast/sema.h"
#include "runtime/map_print.h"

struct map_snapshot {
	struct map_view view;	/* entries own their key and value copies */
	size_t n, cap;
};

/* Reads map m (file descriptor fd) into s, merging per-CPU values. */
/* Per-CPU arrays (maps without keys) have their slots from the start: a
 * zero slot counts as never written unless keep_zero (after zero() or
 * clear(), bpftrace prints such a map with zero values). */
int map_snapshot_read(struct map_snapshot *s, const struct sema_map *m, int fd, int ncpus,
		      bool keep_zero);
void map_snapshot_free(struct map_snapshot *s);
/* clear(): removes every element; zero(): keeps the keys, zeroes values. */
int map_clear(const struct sema_map *m, int fd, int ncpus, bool zero);

#endif
