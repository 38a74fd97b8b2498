/* outfile: a file written under a temporary name beside it,
 * PATH.tmp-XXXXXX, and renamed over PATH once complete: a reader sees the
 * old file or the whole new one. The temporary file is removed on
 * outfile_discard, at exit() before outfile_commit, and on SIGINT, SIGTERM, SIGHUP or SIGPIPE (those not
 * ignored; then the signal's default action runs), so that an interrupted
 * tool leaves nothing half-written. One at a time in a process. */
#ifndef OUTFILE_H
#define OUTFILE_H

#include "err.h"

/* Create PATH's temporary file and catch the signals. Returns its
 * descriptor, or -1 with errno and E set. */
int outfile_open(const char *path, struct err *e);

/* Mode 0644, close FD, rename the temporary file over PATH. Returns 0, or
 * -1 with errno and E set (the temporary file removed). */
int outfile_commit(int fd, struct err *e);

/* Close FD and remove the temporary file (keeps errno). */
void outfile_discard(int fd);

#endif
