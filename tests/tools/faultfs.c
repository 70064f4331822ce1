/*
 * faultfs - an LD_PRELOAD shim for tests/integration/faults.sh: after N
 * writes to matching files, every further write, pwrite, writev, fsync,
 * fdatasync and ftruncate on them fails with an errno (ENOSPC: a full disk;
 * EROFS: a file system remounted read-only).
 *
 *   FAULTFS_MATCH  comma-separated substrings; a file matches when its path
 *                  (readlink of /proc/self/fd/N) contains one of them
 *   FAULTFS_AFTER  calls on matching files that still succeed (default 0)
 *   FAULTFS_ERRNO  ENOSPC (default), EROFS or EIO
 *   FAULTFS_LOG    a file that gets one line when the first fault fires
 *
 * Without FAULTFS_MATCH the shim passes everything through.  Writes to other
 * files (stdout, sockets, the lock file) are never touched.  Not thread-safe
 * in its counting, which nudge does not need (one thread).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static long calls;
static int fired;

static int
matches(int fd)
{
	const char *m = getenv("FAULTFS_MATCH");
	char link[64], path[PATH_MAX];
	ssize_t k;

	if (m == NULL || *m == '\0' || fd < 0)
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((k = readlink(link, path, sizeof path - 1)) <= 0)
		return 0;
	path[k] = '\0';
	while (*m) {
		const char *e = strchr(m, ',');
		size_t n = e ? (size_t)(e - m) : strlen(m);
		char want[PATH_MAX];

		if (n > 0 && n < sizeof want) {
			memcpy(want, m, n);
			want[n] = '\0';
			if (strstr(path, want) != NULL)
				return 1;
		}
		m += n + (e != NULL);
	}
	return 0;
}

/* fault: nonzero (errno set) when this call on fd must fail */
static int
fault(int fd, const char *what)
{
	const char *a = getenv("FAULTFS_AFTER"), *e = getenv("FAULTFS_ERRNO");
	int err = ENOSPC;

	if (!matches(fd))
		return 0;
	if (calls++ < (a ? atol(a) : 0))
		return 0;
	if (e && strcmp(e, "EROFS") == 0)
		err = EROFS;
	else if (e && strcmp(e, "EIO") == 0)
		err = EIO;
	if (!fired) {
		const char *log = getenv("FAULTFS_LOG");
		FILE *f;

		fired = 1;
		if (log && (f = fopen(log, "a")) != NULL) {
			fprintf(f, "faultfs: %s on fd %d failed with %s after "
				   "%ld calls\n",
			    what, fd, strerror(err), calls - 1);
			fclose(f);
		}
	}
	errno = err;
	return 1;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*pwrite64_fn)(int, const void *, size_t, off64_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef int (*fsync_fn)(int);
typedef int (*ftruncate_fn)(int, off_t);
typedef int (*ftruncate64_fn)(int, off64_t);

/* REAL(name, type): real_name, the next definition of name (libc's) */
#define REAL(name, type)                                                       \
	static type real_##name;                                               \
	if (real_##name == NULL)                                               \
		real_##name = (type)dlsym(RTLD_NEXT, #name)

ssize_t
write(int fd, const void *buf, size_t n)
{
	REAL(write, write_fn);
	if (fault(fd, "write"))
		return -1;
	return real_write(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite, pwrite_fn);
	if (fault(fd, "pwrite"))
		return -1;
	return real_pwrite(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	REAL(pwrite64, pwrite64_fn);
	if (fault(fd, "pwrite64"))
		return -1;
	return real_pwrite64(fd, buf, n, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	REAL(writev, writev_fn);
	if (fault(fd, "writev"))
		return -1;
	return real_writev(fd, iov, n);
}

int
fsync(int fd)
{
	REAL(fsync, fsync_fn);
	if (fault(fd, "fsync"))
		return -1;
	return real_fsync(fd);
}

int
fdatasync(int fd)
{
	REAL(fdatasync, fsync_fn);
	if (fault(fd, "fdatasync"))
		return -1;
	return real_fdatasync(fd);
}

int
ftruncate(int fd, off_t len)
{
	REAL(ftruncate, ftruncate_fn);
	if (fault(fd, "ftruncate"))
		return -1;
	return real_ftruncate(fd, len);
}

int
ftruncate64(int fd, off64_t len)
{
	REAL(ftruncate64, ftruncate64_fn);
	if (fault(fd, "ftruncate64"))
		return -1;
	return real_ftruncate64(fd, len);
}
