/* records.h - -o DIR: zERT records to DIR/records.jsonl and DIR/zert.smf (RDW or VBS). */
#ifndef ZS_RECORDS_H
#define ZS_RECORDS_H

#include "zert.h"

struct conf;
struct records;

/*
 * Opens the outputs: DIR (created 0750 when missing; a symbolic link is refused) and in it
 * records.jsonl and zert.smf, each written as a new temporary file (sensor/outfile.h) that
 * records_close renames into place. NULL with err filled on failure.
 */
struct records *records_open(const char *dir, const struct conf *conf, char *err, size_t errlen);
/* The sink for zert_new(): writes what the configuration turns on. */
struct zert_sink records_sink(struct records *r);
/*
 * Flush and close, and rename both files into place; -1 with err when something could not
 * be written (then neither file is replaced and the temporary files are removed), 1 with a
 * warning in err.
 */
int records_close(struct records *r, char *err, size_t errlen);
/* Abandon the outputs of a run that did not happen: the temporary files are removed. */
void records_discard(struct records *r);
/* The check of conf's timezone values (struct conf.check_timezone): the SMF writer's parser. */
int records_check_timezone(const char *tz, char *err, size_t errlen);

#endif
