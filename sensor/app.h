/* app.h - the application layer: picks a dissector per flow and drives it (dissector.h). */
#ifndef ZS_APP_H
#define ZS_APP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct flow;
struct packet;
struct app_layer;

/* `observations`: where --observations lines go (NULL: none). */
struct app_layer *app_new(FILE *observations);
void app_free(struct app_layer *a);

void app_stream_data(struct app_layer *a, struct flow *f, int dir, const uint8_t *data, size_t len,
                     uint64_t ts_us);
void app_stream_gap(struct app_layer *a, struct flow *f, int dir, uint64_t len);
void app_datagram(struct app_layer *a, struct flow *f, int dir, const struct packet *p);
/* The flow ended: final dissector call, the observation line, state freed. 0 or -1 (write error). */
int app_flow_end(struct app_layer *a, struct flow *f);

#endif
