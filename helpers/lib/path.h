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
 * ROOTFD, resolving symlinks as if ROOTFD were "/" (openat2
 * RESOLVE_IN_ROOT): nothing outside the root is ever reached. *BASE is
 * set to the last component of REL. Returns an O_PATH|O_DIRECTORY fd or
 * -1 with errno. */
int path_open_parent(int rootfd, const char *rel, const char **base);

/* openat2(dirfd, rel, flags, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS). */
int path_openat_in_root(int rootfd, const char *rel, int flags, int mode);

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
