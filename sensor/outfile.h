/* outfile.h - output files created new beside their name and renamed into place when complete. */
#ifndef ZS_OUTFILE_H
#define ZS_OUTFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Every output is written to a new file, NAME.partial-XXXXXX, created in the directory of
 * NAME with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0640 whatever the umask, and renamed over
 * NAME once every byte was written: a link planted at either name is never followed, no
 * other file's content or mode is ever changed, and NAME holds either what it held before
 * or the complete output. An output that fails (or a run that stops before its end) removes
 * its temporary file. Refused up front: NAME a symbolic link (replacing /dev/stdout would be
 * as wrong as writing through a planted link; "-" is standard output) or a directory. A
 * character device or a pipe (/dev/null, a FIFO) is written in place: it stores nothing.
 */
#define OUTFILE_PARTIAL ".partial-" /* NAME.partial-XXXXXX: incomplete output */

/* stdio buffer of a file opened here (bytes). */
#define OUTFILE_BUFFER (256u * 1024u)

struct outfile {
    FILE *f;                 /* where to write: stdout for "-" */
    char *vbuf;              /* f's stdio buffer (OUTFILE_BUFFER bytes), freed after fclose */
    int dirfd;               /* the directory of the file; -1 for stdout */
    bool own_dirfd;          /* opened by outfile_open, closed with the file */
    char path[PATH_MAX];     /* for messages: as given, or DIR/NAME */
    char name[NAME_MAX + 1]; /* the final name, in dirfd */
    char tmp[NAME_MAX + 1];  /* the temporary name in dirfd; "" when written in place */
};

/*
 * The directory of -o DIR or --dump-streams DIR as an open descriptor, created 0750
 * (whatever the umask) when missing. -1 with err when DIR is a symbolic link or not a
 * directory.
 */
int outfile_dir_open(const char *dir, char *err, size_t errlen);

/* A new temporary file NAME.partial-XXXXXX in dirfd (its name in tmp): an fd, or -1 (errno). */
int outfile_create_tmp(int dirfd, const char *name, char *tmp, size_t tmplen);

/*
 * A new directory NAME.partial-XXXXXX in dirfd, mode 0700 and ours (its name in tmp), for
 * files that are closed and reopened by name before they are complete: an fd, or -1 (errno).
 */
int outfile_create_tmp_dir(int dirfd, const char *name, char *tmp, size_t tmplen);

/*
 * May NAME in dirfd be replaced by an output? 0 when it is missing or a regular file; -1 with
 * err (naming `shown`) when it is a symbolic link, a directory or anything else.
 */
int outfile_check_target(int dirfd, const char *name, const char *shown, char *err, size_t errlen);

/* Open PATH for writing ("-": standard output). -1 with err on failure. */
int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen);

/* Open NAME in the directory dirfd (shown as DIR in messages; the caller keeps dirfd). */
int outfile_open_at(struct outfile *o, int dirfd, const char *dir, const char *name, char *err,
                    size_t errlen);

/*
 * Flush and close, without renaming yet: -1 with err when any write failed (an earlier one
 * included). Standard output is flushed, not closed.
 */
int outfile_close(struct outfile *o, char *err, size_t errlen);

/* Rename a closed temporary file into place: -1 with err (and the file removed) on failure. */
int outfile_publish(struct outfile *o, char *err, size_t errlen);

/* outfile_close then outfile_publish, or outfile_discard when the close failed. */
int outfile_commit(struct outfile *o, char *err, size_t errlen);

/* Close (if open) and remove the temporary file: the output is abandoned. */
void outfile_discard(struct outfile *o);

#endif
