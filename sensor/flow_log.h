/* flow_log.h - --flows JSON lines and readable lines, one per ended flow. */
#ifndef ZS_FLOW_LOG_H
#define ZS_FLOW_LOG_H

#include <stdbool.h>
#include <stdio.h>

struct flow;
struct json_writer;
struct zert_endpoint;

/* One JSON object per ended flow (keys documented in README.md). */
int flow_log_json(struct json_writer *w, FILE *out, const struct flow *f);
/* One side of a flow as a record endpoint; false when the flow has no ports (ESP/AH). */
bool flow_log_endpoint(const struct flow *f, int side, struct zert_endpoint *e);
/* One readable line per ended flow. */
int flow_log_text(FILE *out, const struct flow *f);

#endif
