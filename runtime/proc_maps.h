/* What -p needs to know about a running process's files: where a binary
 * named in a probe is, seen from sonde, when the process may live in
 * another mount namespace (a container), and which libraries it has
 * mapped. */
#ifndef SONDE_PROC_MAPS_H
#define SONDE_PROC_MAPS_H

#include <stdbool.h>

/* The path sonde opens for a path as process pid sees it: path itself
 * when the process shares sonde's root directory or the path already
 * starts with /proc/PID/root/, else /proc/PID/root/PATH.  A relative path
 * is returned as given.  malloc'd, NULL on allocation failure. */
char *proc_root_path(int pid, const char *path);

/* The file mapped in process pid (from /proc/PID/maps) that a uprobe or
 * usdt target without a '/' names: the executable or a library by its
 * file name ("uprobe_fns", "libc.so.6") or library name ("libc", "c",
 * "libpthread").  Returns the path sonde opens (malloc'd; see
 * proc_maps_files) or NULL when no mapped file matches. */
char *proc_maps_find(int pid, const char *name);

/* Every distinct file process pid has mapped (executable, libraries), as
 * sonde opens them, in map order: the path the maps file prints when the
 * process shares sonde's root, else that path through /proc/PID/root (for
 * a chroot under sonde's root, whose files the kernel prints with the
 * chroot directory in front, the path inside the chroot); malloc'd array
 * of malloc'd strings in *paths.  Returns the count or -errno. */
int proc_maps_files(int pid, char ***paths);

/* Resolves a uprobe/usdt target for -p PID: a path is looked up in the
 * process's root; a name first among the process's mapped files, then,
 * when the process shares sonde's root, as without -p (elf_resolve_target).  Returns the path sonde opens
 * (malloc'd) or NULL when nothing is found. */
char *proc_resolve_target(int pid, const char *name);

#endif
