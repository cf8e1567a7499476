/* flow_log.h - --flows JSON lines and readable lines, one per ended flow. */
#ifndef ZS_FLOW_LOG_H
#define ZS_FLOW_LOG_H

#include <stdio.h>

struct flow;
struct json_writer;

/* One JSON object per ended flow (keys documented in README.md). */
int flow_log_json(struct json_writer *w, FILE *out, const struct flow *f);
/* "key": {"ip": ..., "port": ...} for one side of a flow (no port for ESP/AH). */
void flow_log_endpoint(struct json_writer *w, const char *key, const struct flow *f, int side);
/* One readable line per ended flow. */
int flow_log_text(FILE *out, const struct flow *f);

#endif
