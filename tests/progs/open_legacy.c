/* open_legacy PATH: open(2) through the old syscall (sys_enter_open, where
 * filename is at offset 16), then openat(2) (sys_enter_openat, offset 24).
 * argv strings are already in memory, so the tracer can read them. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: open_legacy PATH\n");
		return 2;
	}
	int fd = (int)syscall(SYS_open, argv[1], O_RDONLY);
	if (fd >= 0)
		close(fd);
	fd = openat(AT_FDCWD, argv[1], O_RDONLY);
	if (fd >= 0)
		close(fd);
	return 0;
}
