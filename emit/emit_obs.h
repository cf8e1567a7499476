/* emit_obs.h - observation lines (--observations) as JSON Lines, from the typed facts. */
#ifndef ZS_EMIT_OBS_H
#define ZS_EMIT_OBS_H

#include "json_writer.h"
#include "obs_record.h"

/* The protocol object ("tls": {...}) into the open object of `w`; nothing for OBS_NONE. */
void emit_obs_build_proto(struct json_writer *w, const struct obs_proto *p);
/* The protocol object alone as a JSON object ({"tls": {...}}; reset first), for tests. */
void emit_obs_build_object(struct json_writer *w, const struct obs_proto *p);

/* The line of one flow (reset first), and the same written with a newline. */
void emit_obs_build_line(struct json_writer *w, const struct obs_line *l);
int emit_obs_write_line(struct json_writer *w, FILE *out, const struct obs_line *l);

/* The line of one IPsec peer pair (reset first), and the same written with a newline. */
void emit_obs_build_pair(struct json_writer *w, const struct obs_ipsec_pair *p);
int emit_obs_write_pair(struct json_writer *w, FILE *out, const struct obs_ipsec_pair *p);

#endif
