/* path: root-relative path handling shared by vdb, copyfiles and mkimage. */
#ifndef PATH_H
#define PATH_H

#include <stddef.h>

/* Normalise IN into OUT (size N) as a path relative to a root: leading
 * "/" and "./" dropped, "//" and "/./" folded, trailing "/" dropped; the
 * root itself becomes "". A ".." component is refused (-1, EINVAL), as is
 * a result that does not fit (-1, ENAMETOOLONG). */
int path_clean(const char *in, char *out, size_t n);

/* Open the directory that holds REL (a path_clean()ed path) beneath
 * ROOTFD, resolving symlinks as if ROOTFD were "/" (path_openat_in_root:
 * RESOLVE_IN_ROOT): nothing outside the root is ever reached. *BASE is
 * set to the last component of REL. Returns an O_PATH|O_DIRECTORY fd or
 * -1 with errno. */
int path_open_parent(int rootfd, const char *rel, const char **base);

/* openat2(DIRFD, PATH, FLAGS | O_CLOEXEC, MODE, RESOLVE) (RESOLVE_* of
 * <linux/openat2.h>): resolved as if DIRFD were "/" (RESOLVE_IN_ROOT) or
 * never leaving it (RESOLVE_BENEATH), with RESOLVE_NO_SYMLINKS and
 * RESOLVE_NO_MAGICLINKS as asked. Where openat2 is missing (ENOSYS: a
 * kernel before 5.6, Debian 12's qemu-user; EPERM: a seccomp filter),
 * decided once per process, the same resolution is walked in userspace,
 * one component at a time, each opened O_PATH|O_NOFOLLOW from a directory
 * already reached, a symlink's text resolved by the same walk (at most 40
 * links, ELOOP), ".." taken lexically (never above DIRFD), every procfs
 * link refused (ELOOP), the last component opened with FLAGS as openat2
 * would. The walk wants exactly one of RESOLVE_IN_ROOT and
 * RESOLVE_BENEATH (else EINVAL). Unlike openat2 it is not atomic against
 * concurrent renames (README, "Reliability"). Returns an fd or -1 with
 * errno. */
int path_openat2(int dirfd, const char *path, int flags, int mode, unsigned long long resolve);

/* path_openat2(ROOTFD, REL or ".", FLAGS, MODE,
 * RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS). */
int path_openat_in_root(int rootfd, const char *rel, int flags, int mode);

/* ON: path_openat2 walks in userspace whether openat2 is there or not
 * (the unit tests run every suite both ways); 0: back to what the probe
 * decided. The environment variable SCRATCHMERGE_NO_OPENAT2=1, read once
 * before the first path_openat2, does the same for a whole run of a tool. */
void path_force_fallback(int on);

/* 1 when path_openat2 walks in userspace (forced or openat2 missing). */
int path_fallback_active(void);

/* Write all N bytes of BUF to FD (short writes and EINTR handled). */
int path_write_all(int fd, const void *buf, size_t n);

/* Read all of FD into a NUL-terminated malloc()ed buffer; *LEN gets the
 * length without the NUL. */
int path_slurp_fd(int fd, char **buf, size_t *len);

/* The names of the entries of directory FD (taken and closed), sorted
 * bytewise, that KEEP(dirfd, entry, ARG) accepts, as a malloc()ed vector of
 * malloc()ed strings (free with path_free_names). */
struct dirent;
int path_list_dir(int fd, int (*keep)(int dirfd, const struct dirent *de, void *arg), void *arg,
		  char ***names, size_t *n);
void path_free_names(char **names, size_t n);

#endif
