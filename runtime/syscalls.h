/* Syscall numbers of this architecture by name. */
#ifndef SONDE_SYSCALLS_H
#define SONDE_SYSCALLS_H

/* The number of the syscall whose tracepoints are sys_enter_NAME and
 * sys_exit_NAME, or -1 when it is not known here. */
int syscall_number(const char *name);

#endif
