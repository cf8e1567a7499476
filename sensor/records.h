/* records.h - -o DIR: zERT records to DIR/records.jsonl and DIR/zert.smf (RDW or VBS). */
#ifndef ZS_RECORDS_H
#define ZS_RECORDS_H

#include "zert.h"

struct conf;
struct records;

/* Opens the outputs (files created 0640); NULL with err filled on failure. */
struct records *records_open(const char *dir, const struct conf *conf, char *err, size_t errlen);
/* The sink for zert_new(): writes what the configuration turns on. */
struct zert_sink records_sink(struct records *r);
/* Flush and close; -1 with err when something could not be written. */
int records_close(struct records *r, char *err, size_t errlen);
/* The check of conf's timezone values (struct conf.check_timezone): the SMF writer's parser. */
int records_check_timezone(const char *tz, char *err, size_t errlen);

#endif
