/* capture_pcapng.h - the pcapng block reader behind capture_file.c (not a capture of its own). */
#ifndef ZS_CAPTURE_PCAPNG_H
#define ZS_CAPTURE_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"

struct cap_stream;
struct pcapng;

/* Interfaces one section may describe: more is damage (the table is held in memory). */
#define PCAPNG_MAX_INTERFACES 65536u

/* What pcapng_next returns besides enum capture_status: the stream goes on in classic pcap. */
#define PCAPNG_CLASSIC_PCAP 3

#define PCAPNG_SHB_TYPE 0x0A0D0D0Au

struct pcapng *pcapng_new(void);
void pcapng_free(struct pcapng *ng);

/*
 * The next frame of a pcapng stream positioned at a block boundary (at an SHB for a new
 * section). Blocks that carry no packet are read or skipped on the way. With `headers_only`,
 * stop before the first packet block instead (CAPTURE_END when one is next: the stream stays
 * at it). CAPTURE_DAMAGED with `err` filled, naming the block's byte offset.
 */
int pcapng_next(struct pcapng *ng, struct cap_stream *s, struct capture_frame *f, bool headers_only,
                char *err, size_t errlen);

/* Said after byte offsets in messages (" of the decompressed data"); a static string. */
void pcapng_set_offset_note(struct pcapng *ng, const char *where);

/* The link type of the first interface of the first section; -1 before one was read. */
int pcapng_first_dlt(const struct pcapng *ng);

/* Is this 32-bit word (as read from the stream in either byte order) a classic pcap magic? */
bool capture_is_pcap_magic(uint32_t be_word);

/* A file's LINKTYPE_ value as libpcap's DLT_ value (they differ for a few, e.g. raw IP). */
int capture_linktype_to_dlt(uint32_t linktype);

/* A file time in microseconds, saturated to [0, CAPTURE_TS_MAX_US] (and counted when it is). */
uint64_t capture_ts_clamp(__int128 us);

#endif
