/* smf_tz.c - SMF dates and the local time of the SMF header: fixed offsets and TZ database zones.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emit_smf.h"
#include "smf_bytes.h"

/*
 * A named zone is read once, by emit_smf_tz_parse: its TZif file (RFC 8536;
 * /usr/share/zoneinfo or $TZDIR) or a POSIX TZ string gives every change of
 * the UTC offset from 1970 to SMF_TZ_RULE_YEAR, kept in struct smf_tz. A
 * conversion is then a binary search in memory: no file is read and TZ is
 * never set (the setenv + tzset per record this replaces re-read the zone
 * file for every record and changed the process environment).
 */

#define TZ_FILE_MAX 65536 /* TZif files are a few KB; a larger file is not one */
#define SMF_TZ_RULE_YEAR                                                                           \
    2200 /* changes from the POSIX rule are listed up to here (SMF dates                           \
            end in 2199); later times apply the rule directly */

/* ---- dates ----------------------------------------------------------------------------------- */

int64_t
emit_smf_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

uint32_t
emit_smf_pack_date(int year, int yday)
{
    if (year < 1900 || year > 2199 || yday < 1 || yday > 366)
        return 0x0000000F;
    unsigned c = (unsigned)(year / 100 - 19), yy = (unsigned)(year % 100), d = (unsigned)yday;
    return (c << 24) | ((yy / 10) << 20) | ((yy % 10) << 16) | ((d / 100) << 12) |
           (((d / 10) % 10) << 8) | ((d % 10) << 4) | 0xF;
}

static int
bcd(uint32_t v, int shift)
{
    return (int)((v >> shift) & 0xF);
}

bool
emit_smf_unpack_date(uint32_t v, int *year, int *yday)
{
    int sign = bcd(v, 0);
    if ((sign != 0xF && sign != 0xC) || bcd(v, 28) != 0)
        return false;
    for (int sh = 4; sh <= 20; sh += 4) {
        if (bcd(v, sh) > 9)
            return false;
    }
    int c = bcd(v, 24), yy = bcd(v, 20) * 10 + bcd(v, 16);
    int d = bcd(v, 12) * 100 + bcd(v, 8) * 10 + bcd(v, 4);
    if (c > 2 || d < 1 || d > 366)
        return false;
    *year = 1900 + 100 * c + yy;
    *yday = d;
    return true;
}

/* Seconds (offset applied) -> year, day of year, 1/100 s of the day (frac added); false when the
 * year does not fit. */
static bool
split(int64_t secs, uint32_t frac, int *year, int *yday, uint32_t *hundredths)
{
    struct tm tm;
    time_t t = (time_t)secs;
    if (!gmtime_r(&t, &tm)) {
        *year = 0;
        *yday = 0;
        *hundredths = 0;
        return false;
    }
    *year = tm.tm_year + 1900;
    *yday = tm.tm_yday + 1;
    *hundredths = (uint32_t)(tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) * 100 + frac;
    return true;
}

/* Local seconds since the epoch of a year, day of year and time of day. */
static int64_t
join(int year, int yday, uint32_t hundredths)
{
    return (emit_smf_days_from_civil(year, 1, 1) + yday - 1) * 86400 + hundredths / 100;
}

void
emit_smf_utc_split(uint64_t utc_us, int *year, int *yday, uint32_t *hundredths)
{
    split((int64_t)(utc_us / 1000000), (uint32_t)((utc_us % 1000000) / 10000), year, yday,
          hundredths);
}

uint64_t
emit_smf_utc_join(int year, int yday, uint32_t hundredths)
{
    int64_t t = join(year, yday, hundredths);
    if (t < 0)
        return 0;
    return (uint64_t)t * 1000000 + (uint64_t)(hundredths % 100) * 10000;
}

/* ---- POSIX TZ strings (POSIX 8.3, RFC 8536 3.3.1) -------------------------------------------- */

/* "[+-]hh[:mm[:ss]]" with hh <= max_h; seconds into *v. */
static bool
tz_num(const char **s, int max_h, bool sign_ok, int32_t *v)
{
    const char *p = *s;
    int sign = 1, part[3] = {0, 0, 0}, n = 0;
    if (*p == '+' || *p == '-') {
        if (!sign_ok)
            return false;
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    for (;;) {
        if (!isdigit((unsigned char)*p))
            return false;
        int x = 0, digits = 0;
        while (isdigit((unsigned char)*p) && digits < 3) {
            x = x * 10 + (*p++ - '0');
            digits++;
        }
        part[n++] = x;
        if (n == 3 || *p != ':')
            break;
        p++;
    }
    if (part[0] > max_h || part[1] > 59 || part[2] > 59)
        return false;
    *v = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    *s = p;
    return true;
}

/* A zone abbreviation: three or more letters, or <...> of letters, digits, '+' and '-'. */
static bool
tz_abbr(const char **s)
{
    const char *p = *s;
    size_t n = 0;
    if (*p == '<') {
        for (p++; isalnum((unsigned char)*p) || *p == '+' || *p == '-'; p++)
            n++;
        if (*p != '>' || n < 3)
            return false;
        *s = p + 1;
        return true;
    }
    while (isalpha((unsigned char)*p)) {
        p++;
        n++;
    }
    if (n < 3)
        return false;
    *s = p;
    return true;
}

/* A rule date: Jn (1..365, no Feb 29), n (0..365) or Mm.w.d; then an optional /time. */
static bool
tz_date(const char **s, struct smf_tz_date *d)
{
    const char *p = *s;
    char *end;
    long a, b, c;
    if (*p == 'J' || isdigit((unsigned char)*p)) {
        d->kind = *p == 'J' ? 'J' : 'D';
        if (*p == 'J')
            p++;
        if (!isdigit((unsigned char)*p))
            return false;
        a = strtol(p, &end, 10);
        if (d->kind == 'J' ? a < 1 || a > 365 : a < 0 || a > 365)
            return false;
        d->n = (int)a;
        p = end;
    } else if (*p == 'M') {
        d->kind = 'M';
        a = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end != '.')
            return false;
        p = end + 1;
        b = strtol(p, &end, 10);
        if (end == p || *end != '.')
            return false;
        p = end + 1;
        c = strtol(p, &end, 10);
        if (end == p || a < 1 || a > 12 || b < 1 || b > 5 || c < 0 || c > 6)
            return false;
        d->m = (int)a;
        d->w = (int)b;
        d->n = (int)c;
        p = end;
    } else {
        return false;
    }
    d->time = 2 * 3600;
    if (*p == '/') {
        p++;
        if (!tz_num(&p, 167, true, &d->time))
            return false;
    }
    *s = p;
    return true;
}

/* Parse a whole POSIX TZ string; "" is not one. */
static bool
tz_rule_parse(const char *s, struct smf_tz_rule *r)
{
    int32_t v;
    memset(r, 0, sizeof(*r));
    if (!tz_abbr(&s) || !tz_num(&s, 24, true, &v))
        return false;
    r->std_off = -v; /* POSIX counts west of Greenwich */
    if (!*s)
        return true;
    if (!tz_abbr(&s))
        return false;
    r->dst = true;
    r->dst_off = r->std_off + 3600;
    if (*s && *s != ',') {
        if (!tz_num(&s, 24, true, &v))
            return false;
        r->dst_off = -v;
    }
    /* without the rule glibc takes the dates from a "posixrules" file: refuse rather than guess */
    if (*s++ != ',' || !tz_date(&s, &r->start) || *s++ != ',' || !tz_date(&s, &r->end))
        return false;
    return *s == '\0';
}

static bool
leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Local seconds of a rule date's day (midnight) in year y. */
static int64_t
tz_date_day(const struct smf_tz_date *d, int64_t y)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t jan1 = emit_smf_days_from_civil(y, 1, 1), day;
    if (d->kind == 'J') {
        day = jan1 + d->n - 1 + (leap_year(y) && d->n >= 60);
    } else if (d->kind == 'D') {
        day = jan1 + d->n;
    } else {
        int64_t first = emit_smf_days_from_civil(y, d->m, 1);
        int dim = mdays[d->m - 1] + (d->m == 2 && leap_year(y));
        int dow = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
        int mday = 1 + (d->n - dow + 7) % 7 + 7 * (d->w - 1);
        while (mday > dim)
            mday -= 7;
        day = first + mday - 1;
    }
    return day * 86400;
}

/* The UTC times daylight saving starts and ends in year y. */
static void
tz_rule_year(const struct smf_tz_rule *r, int64_t y, int64_t *start, int64_t *end)
{
    *start = tz_date_day(&r->start, y) + r->start.time - r->std_off;
    *end = tz_date_day(&r->end, y) + r->end.time - r->dst_off;
}

/* ---- offset lookup --------------------------------------------------------------------------- */

/* A list of offset changes: before applies until at[0]; off[i] from at[i] on. */
struct tz_span_list {
    int32_t before;
    const int64_t *at;
    const int32_t *off;
    size_t n;
};

/* The offset at UTC second t: the last change at or before t. */
static int32_t
spans_offset(const struct tz_span_list *l, int64_t t)
{
    size_t lo = 0, hi = l->n; /* changes [0, lo) are <= t, [hi, n) are > t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->at[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? l->off[lo - 1] : l->before;
}

static int32_t
span_prev(const struct tz_span_list *l, size_t i)
{
    return i ? l->off[i - 1] : l->before;
}

/*
 * UTC of local second L. A local time the clock skipped (a gap) or passed twice (a fold)
 * resolves with the offset in effect before the change: a change counts from the later of its
 * two wall-clock readings, at[i] + max(old, new offset).
 */
static int64_t
spans_utc(const struct tz_span_list *l, int64_t L)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int32_t a = span_prev(l, mid), b = l->off[mid];
        if (l->at[mid] + (a > b ? a : b) <= L)
            lo = mid + 1;
        else
            hi = mid;
    }
    return L - (lo ? l->off[lo - 1] : l->before);
}

/* The rule's changes around year y (years y-1..y+1), in time order. */
static void
rule_spans(const struct smf_tz_rule *r, int64_t y, int64_t at[6], int32_t off[6],
           struct tz_span_list *l)
{
    size_t n = 0;
    int64_t s, e;
    for (int64_t k = y - 1; k <= y + 1; k++) {
        tz_rule_year(r, k, &s, &e);
        /* a change that ends one year's DST may be the instant the next starts: end first */
        if (e <= s) {
            at[n] = e, off[n++] = r->std_off;
            at[n] = s, off[n++] = r->dst_off;
        } else {
            at[n] = s, off[n++] = r->dst_off;
            at[n] = e, off[n++] = r->std_off;
        }
    }
    tz_rule_year(r, y - 1, &s, &e);
    l->before = s > e ? r->dst_off : r->std_off; /* southern hemisphere: DST over new year */
    l->at = at;
    l->off = off;
    l->n = n;
}

static int64_t
year_of(int64_t secs)
{
    int year, yday;
    uint32_t hs;
    if (!split(secs, 0, &year, &yday, &hs))
        return secs < 0 ? 1970 : 2200;
    return year;
}

static bool
past_table(const struct smf_tz *tz, int64_t t)
{
    return tz->has_rule && t >= tz->rule_from;
}

static int32_t
zone_offset(const struct smf_tz *tz, int64_t t)
{
    struct tz_span_list l = {tz->first_off, tz->at, tz->off, tz->n};
    int64_t at[6];
    int32_t off[6];
    if (past_table(tz, t))
        rule_spans(&tz->rule, year_of(t), at, off, &l);
    return spans_offset(&l, t);
}

static int64_t
zone_utc(const struct smf_tz *tz, int64_t L)
{
    struct tz_span_list l = {tz->first_off, tz->at, tz->off, tz->n};
    int64_t at[6];
    int32_t off[6];
    if (past_table(tz, L))
        rule_spans(&tz->rule, year_of(L), at, off, &l);
    return spans_utc(&l, L);
}

/* ---- loading a zone -------------------------------------------------------------------------- */

static int
tz_add(struct smf_tz *tz, int64_t at, int32_t off, char *err, size_t errlen)
{
    if (tz->n >= SMF_TZ_MAX_CHANGES) {
        snprintf(err, errlen,
                 "time zone %s changes its UTC offset more than %d times from 1970 to %d", tz->name,
                 SMF_TZ_MAX_CHANGES, SMF_TZ_RULE_YEAR);
        return -1;
    }
    tz->at[tz->n] = at;
    tz->off[tz->n++] = off;
    return 0;
}

/* List the rule's changes after the last explicit one, up to the end of SMF_TZ_RULE_YEAR. */
static int
tz_extend(struct smf_tz *tz, char *err, size_t errlen)
{
    int64_t last = tz->n ? tz->at[tz->n - 1] : -1, s, e;
    int64_t y = tz->n ? year_of(last) : 1970;
    if (!tz->rule.dst) {
        if (tz->n)
            tz->off[tz->n - 1] = tz->rule.std_off; /* the footer governs from the last change */
        else
            tz->first_off = tz->rule.std_off;
        return 0;
    }
    if (!tz->n) { /* before the first change of 1970: DST over new year in the south */
        tz_rule_year(&tz->rule, 1969, &s, &e);
        tz->first_off = s > e ? tz->rule.dst_off : tz->rule.std_off;
    }
    for (; y <= SMF_TZ_RULE_YEAR; y++) {
        tz_rule_year(&tz->rule, y, &s, &e);
        int64_t a = e <= s ? e : s, b = e <= s ? s : e;
        int32_t oa = e <= s ? tz->rule.std_off : tz->rule.dst_off;
        int32_t ob = e <= s ? tz->rule.dst_off : tz->rule.std_off;
        if (a > last && tz_add(tz, a, oa, err, errlen) != 0)
            return -1;
        if (b > last && tz_add(tz, b, ob, err, errlen) != 0)
            return -1;
    }
    tz->has_rule = true;
    tz->rule_from = emit_smf_days_from_civil(SMF_TZ_RULE_YEAR + 1, 1, 1) * 86400 - 2 * 86400;
    return 0;
}

/* The 44-byte TZif header: magic, version, 15 reserved bytes, six counts. */
struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
};

static bool
tzif_header(const uint8_t *p, size_t len, size_t at, char *version, struct tzif_counts *c)
{
    if (!smf_fits(len, at, 44) || memcmp(p + at, "TZif", 4) != 0)
        return false;
    *version = (char)smf_get8(p, len, at + 4);
    c->isut = smf_get32(p, len, at + 20);
    c->isstd = smf_get32(p, len, at + 24);
    c->leap = smf_get32(p, len, at + 28);
    c->time = smf_get32(p, len, at + 32);
    c->type = smf_get32(p, len, at + 36);
    c->chars = smf_get32(p, len, at + 40);
    return c->type >= 1 && c->type <= 256 && c->time <= TZ_FILE_MAX && c->chars <= TZ_FILE_MAX &&
           c->leap <= TZ_FILE_MAX && c->isut <= 256 && c->isstd <= 256;
}

static size_t
tzif_data_len(const struct tzif_counts *c, size_t tsize)
{
    return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) + c->isstd +
           c->isut;
}

/* RFC 8536: the v2+ data block (64-bit times) when there is one, else v1; then the footer. */
static int
tzif_load(struct smf_tz *tz, const uint8_t *p, size_t len, char *err, size_t errlen)
{
    struct tzif_counts c;
    char version;
    size_t at = 0, tsize = 4;
    if (!tzif_header(p, len, 0, &version, &c))
        goto bad;
    if (version >= '2') {
        at = 44 + tzif_data_len(&c, 4);
        if (!tzif_header(p, len, at, &version, &c))
            goto bad;
        tsize = 8;
    }
    at += 44;
    size_t times = at, idx = times + c.time * tsize, types = idx + c.time; /* the arrays */
    if (!smf_fits(len, at, tzif_data_len(&c, tsize)))
        goto bad;
    if (c.leap) {
        snprintf(err, errlen, "time zone %s counts leap seconds (a right/ zone): not supported",
                 tz->name);
        return -1;
    }
    int32_t utoff[256];
    bool isdst[256];
    for (uint32_t i = 0; i < c.type; i++) {
        utoff[i] = (int32_t)smf_get32(p, len, types + 6 * i);
        isdst[i] = smf_get8(p, len, types + 6 * i + 4) != 0;
        if (utoff[i] < -26 * 3600 || utoff[i] > 26 * 3600)
            goto bad;
    }
    /* before the first change: the first standard-time type, as glibc takes it */
    uint32_t first = 0;
    while (first < c.type && isdst[first])
        first++;
    tz->first_off = utoff[first < c.type ? first : 0];
    int64_t prev = INT64_MIN;
    for (uint32_t i = 0; i < c.time; i++) {
        int64_t t = tsize == 8 ? (int64_t)smf_get64(p, len, times + 8 * i)
                               : (int64_t)(int32_t)smf_get32(p, len, times + 4 * i);
        uint8_t k = smf_get8(p, len, idx + i);
        if (k >= c.type || t <= prev)
            goto bad;
        prev = t;
        if (t < 0) { /* times before 1970 are never converted: keep the offset at 1970 */
            tz->first_off = utoff[k];
            continue;
        }
        if (tz_add(tz, t, utoff[k], err, errlen) != 0)
            return -1;
    }
    /* the footer: "\n" POSIX TZ string "\n", governing times after the last change */
    at = times + tzif_data_len(&c, tsize);
    if (tsize == 8 && smf_fits(len, at, 2) && smf_get8(p, len, at) == '\n') {
        char footer[128];
        size_t n = 0;
        for (at++; at < len && smf_get8(p, len, at) != '\n' && n + 1 < sizeof(footer); at++)
            footer[n++] = (char)smf_get8(p, len, at);
        footer[n] = '\0';
        if (smf_get8(p, len, at) != '\n')
            goto bad;
        if (n && !tz_rule_parse(footer, &tz->rule))
            goto bad;
        if (n && tz_extend(tz, err, errlen) != 0)
            return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "time zone %s: not a valid TZif file", tz->name);
    return -1;
}

/* The zone file a name denotes, or "" when it names none (then it may be a POSIX TZ string). */
static int
tz_file(const char *spec, char *path, size_t len)
{
    const char *dir = getenv("TZDIR");
    if (spec[0] == ':')
        spec++;
    if (!*spec || spec[0] == '.' || strstr(spec, ".."))
        return -1;
    int n = spec[0] == '/'
                ? snprintf(path, len, "%s", spec)
                : snprintf(path, len, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", spec);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

static int
tz_load_named(struct smf_tz *tz, const char *spec, char *err, size_t errlen)
{
    char path[320];
    FILE *f = tz_file(spec, path, sizeof(path)) == 0 ? fopen(path, "rb") : NULL;
    if (!f) {
        /* not a zone file: a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3") */
        if (spec[0] != ':' && tz_rule_parse(spec, &tz->rule))
            return tz_extend(tz, err, errlen);
        snprintf(err, errlen, "unknown time zone: %s (want UTC, +HH:MM or a TZ name)", spec);
        return -1;
    }
    uint8_t *buf = malloc(TZ_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, TZ_FILE_MAX + 1, f) : 0;
    int rc = -1;
    if (!buf)
        snprintf(err, errlen, "time zone %s: out of memory", spec);
    else if (ferror(f))
        snprintf(err, errlen, "time zone %s: %s: %s", spec, path, strerror(errno));
    else if (n > TZ_FILE_MAX)
        snprintf(err, errlen, "time zone %s: %s is larger than %d bytes", spec, path, TZ_FILE_MAX);
    else
        rc = tzif_load(tz, buf, n, err, errlen);
    free(buf);
    fclose(f);
    return rc;
}

/* ---- the API --------------------------------------------------------------------------------- */

static int
parse_offset(const char *s, int *minutes)
{
    int sign = 1, h = 0, m = 0;
    if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        s++;
    } else {
        return -1;
    }
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
        return -1;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    s += 2;
    if (*s == ':')
        s++;
    if (*s) {
        if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2])
            return -1;
        m = (s[0] - '0') * 10 + (s[1] - '0');
    }
    if (h > 23 || m > 59)
        return -1;
    *minutes = sign * (h * 60 + m);
    return 0;
}

int
emit_smf_tz_parse(struct smf_tz *tz, const char *spec, char *err, size_t errlen)
{
    memset(tz, 0, sizeof(*tz));
    tz->fixed = true;
    if (!spec || !*spec || strcmp(spec, "UTC") == 0 || strcmp(spec, "GMT") == 0 ||
        strcmp(spec, "Z") == 0)
        return 0;
    const char *o = spec;
    if (strncmp(o, "UTC", 3) == 0 && (o[3] == '+' || o[3] == '-'))
        o += 3;
    if (parse_offset(o, &tz->offset_min) == 0)
        return 0;
    if (strlen(spec) >= sizeof(tz->name)) {
        snprintf(err, errlen, "time zone name too long: %s", spec);
        return -1;
    }
    tz->fixed = false;
    snprintf(tz->name, sizeof(tz->name), "%s", spec);
    if (tz_load_named(tz, spec, err, errlen) != 0) {
        memset(tz, 0, sizeof(*tz));
        tz->fixed = true;
        return -1;
    }
    return 0;
}

void
emit_smf_tz_local(const struct smf_tz *tz, uint64_t utc_us, int *year, int *yday,
                  uint32_t *hundredths)
{
    int64_t secs = (int64_t)(utc_us / 1000000);
    int64_t off = tz->fixed ? (int64_t)tz->offset_min * 60 : zone_offset(tz, secs);
    split(secs + off, (uint32_t)((utc_us % 1000000) / 10000), year, yday, hundredths);
}

uint64_t
emit_smf_tz_utc(const struct smf_tz *tz, int year, int yday, uint32_t hundredths)
{
    int64_t local = join(year, yday, hundredths);
    int64_t t = tz->fixed ? local - (int64_t)tz->offset_min * 60 : zone_utc(tz, local);
    if (t < 0)
        return 0;
    return (uint64_t)t * 1000000 + (uint64_t)(hundredths % 100) * 10000;
}
