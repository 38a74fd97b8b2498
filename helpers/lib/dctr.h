/* dctr: a container's life through the engine's API (dapi): created from
 * a spec, a tar uploaded into it, started, its output streamed, waited
 * for, a command run in it while it runs (exec), committed, renamed, a path exported, removed; and the containers
 * that carry given labels. */
#ifndef DCTR_H
#define DCTR_H

#include <stddef.h>

#include <jansson.h>

#include "dapi.h"
#include "dstream.h"
#include "err.h"

struct dctr_ulimit {
	char name[32];
	long long soft, hard;
};

/* What POST /containers/create gets. Lists are of strings as the docker
 * CLI takes them: labels and env K=V, volumes SRC:DST[:ro], caps CAP. */
struct dctr_spec {
	const char *name, *image, *platform, *network, *workdir, *runtime;
	char **cmd, **env, **labels, **volumes, **caps;
	size_t ncmd, nenv, nlabels, nvolumes, ncaps;
	struct dctr_ulimit *ulimits;
	size_t nulimits;
	int auto_remove;	/* the engine removes it once it exits */
};

/* "nofile=1024:2048" or "nofile=1024" (soft = hard) into U. -1 EINVAL. */
int dctr_parse_ulimit(const char *s, struct dctr_ulimit *u, struct err *e);
/* The create request's JSON body for S; NULL with ENOMEM. */
json_t *dctr_create_body(const struct dctr_spec *s);

/* Create S's container; its ID (64 hex digits) into ID. */
int dctr_create(struct dapi *d, const struct dctr_spec *s, char id[65], struct err *e);
/* Upload a tar read from FD (to its end) into the container at DIR. */
int dctr_upload(struct dapi *d, const char *id, const char *dir, int fd, struct err *e);
int dctr_start(struct dapi *d, const char *id, struct err *e);
/* The container's stdout and stderr as the engine logged them, in order,
 * each piece to FN as dstream delivers it, but for the first FROM bytes;
 * with FOLLOW, as they come, until the container stops. (docker 20.10's
 * json-file may end a follow before the last piece written at the exit is
 * in: read again without FOLLOW from what the follow gave.) */
int dctr_logs(struct dapi *d, const char *id, int follow, unsigned long long from, dstream_fn fn, void *arg,
	      struct err *e);
/* Wait until it is not running; its exit status into *STATUS. */
int dctr_wait(struct dapi *d, const char *id, int *status, struct err *e);
/* Commit it as REF (REPO[:TAG]); the new image's ID into IMAGE. PAUSE:
 * a running container is frozen while its layer is read (the engine's
 * default); 0 for one whose processes write nothing. */
int dctr_commit(struct dapi *d, const char *id, const char *ref, int pause, char image[80], struct err *e);
/* Run CMD (N words) in the running container, as its user, in its
 * working directory, with its environment; its stdout and stderr to FN as
 * dstream delivers them, its exit status into *STATUS once it ended. */
int dctr_exec(struct dapi *d, const char *id, char **cmd, size_t n, dstream_fn fn, void *arg, int *status,
	      struct err *e);
int dctr_rename(struct dapi *d, const char *id, const char *name, struct err *e);
/* Write to FD the tar of the container's PATH that `docker cp ID:PATH/. -`
 * writes (entries relative to PATH): the engine's own archive of PATH/. */
int dctr_export(struct dapi *d, const char *id, const char *path, int fd, struct err *e);
/* Remove it (ID or name), killing it if it runs, with its anonymous
 * volumes; one that does not exist is fine. */
int dctr_remove(struct dapi *d, const char *id, struct err *e);
/* The containers, running or not, that carry every label of LABELS
 * (K=V): a JSON array of the engine's summaries (with "Id"), in *LIST. */
int dctr_list(struct dapi *d, char **labels, size_t n, json_t **list, struct err *e);
/* The container's State.StartedAt and State.FinishedAt, as the engine
 * writes them (RFC 3339). */
int dctr_times(struct dapi *d, const char *id, char started[40], char finished[40], struct err *e);
/* 1 when it runs (State.Running), 0 when not, -1 on failure. */
int dctr_running(struct dapi *d, const char *id, struct err *e);
/* 1 when the named volume exists, 0 when it does not, -1 on failure. */
int dctr_volume_exists(struct dapi *d, const char *name, struct err *e);

#endif
