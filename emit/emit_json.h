/* emit_json.h - zERT records as JSON Lines (records-json.md). */
#ifndef ZS_EMIT_JSON_H
#define ZS_EMIT_JSON_H

#include <stdio.h>

#include "json_writer.h"
#include "zert_record.h"

/*
 * Build one record as a JSON object in `w` (reset first), with exactly the
 * keys of records-json.md in a fixed order, `null` for what is unknown, plus
 * these extras: "jobname", "userid" (SMF job and user), "truncated" (only
 * when true), tls.*_cert keys as listed, ssh "hostkey_type" and
 * "hostkey_fp", ipsec "tunnel_local"/"tunnel_remote".
 */
void emit_json_build_detail(struct json_writer *w, const struct zert_detail *d);
void emit_json_build_summary(struct json_writer *w, const struct zert_summary *s);

/* Build and write one line; 0 on success, -1 on a write or memory error. */
int emit_json_write_detail(struct json_writer *w, FILE *out, const struct zert_detail *d);
int emit_json_write_summary(struct json_writer *w, FILE *out, const struct zert_summary *s);

/* Event names ("init", "interval", ...); NULL for codes without a name. */
const char *emit_json_detail_event_name(int ev);
const char *emit_json_summary_event_name(int ev);
const char *emit_json_role_name(enum zert_role r);

#endif
