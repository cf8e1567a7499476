/* test_json_writer.c - JSON Lines writer: nesting, commas, escaping, numbers, times. */
#include <stdio.h>
#include <string.h>

#include "../../emit/json_writer.h"
#include "check.h"

/* The "key, then value or null" helpers every writer uses: each null rule, each value form. */
static void
test_key_helpers(void)
{
    struct json_writer w;
    jw_init(&w);
    struct zert_num known = {7, true}, unknown = {7, false}, spi = {0x00a1b2c3d4e5f607ull, true};
    struct zert_bytes b = {{0x00, 0xab, 0x10}, 3, true}, nob = {{0}, 0, false};
    struct zert_endpoint v4 = {4, {192, 0, 2, 1}, 443}, v6 = {6, {0x20, 0x01, 0x0d, 0xb8}, 22};
    struct zert_endpoint none = {0};
    jw_obj_open(&w);
    jw_key_str(&w, "s", "x");
    jw_key_str(&w, "s0", NULL);
    jw_key_text(&w, "t", "y");
    jw_key_text(&w, "t0", "");
    jw_key_uint(&w, "u", 5);
    jw_key_bool(&w, "b", false);
    jw_key_num(&w, "n", &known);
    jw_key_num(&w, "n0", &unknown);
    jw_key_tri(&w, "tri", ZERT_TRI_TRUE);
    jw_key_tri(&w, "tri0", ZERT_TRI_UNKNOWN);
    jw_key_hex(&w, "h", &b);
    jw_key_hex(&w, "h0", &nob);
    jw_key_hex64(&w, "spi", &spi);
    jw_key_hex64(&w, "spi0", &unknown);
    jw_key_time(&w, "at", 0);
    jw_key_time_or_null(&w, "at0", 0);
    jw_key_endpoint(&w, "a", &v4, true);
    jw_key_endpoint(&w, "a6", &v6, false);
    jw_key_endpoint(&w, "a0", &none, true);
    jw_key_ip_proto(&w, "p", 17);
    jw_key_ip_proto(&w, "p0", 0);
    jw_key_ip_proto(&w, "p1", 1);
    jw_obj_close(&w);
    CHECK_EQ_STR(w.buf,
                 "{\"s\":\"x\",\"s0\":null,\"t\":\"y\",\"t0\":null,\"u\":5,\"b\":false,"
                 "\"n\":7,\"n0\":null,\"tri\":true,\"tri0\":null,\"h\":\"00ab10\",\"h0\":null,"
                 "\"spi\":\"00a1b2c3d4e5f607\",\"spi0\":null,"
                 "\"at\":\"1970-01-01T00:00:00.000000Z\",\"at0\":null,"
                 "\"a\":{\"ip\":\"192.0.2.1\",\"port\":443},\"a6\":{\"ip\":\"2001:db8::\"},"
                 "\"a0\":{\"ip\":null,\"port\":null},\"p\":\"udp\",\"p0\":null,\"p1\":1}");
    jw_fini(&w);
}

int
main(void)
{
    struct json_writer w;
    jw_init(&w);
    jw_obj_open(&w);
    jw_key(&w, "a");
    jw_uint(&w, 0);
    jw_key(&w, "big");
    jw_uint(&w, 18446744073709551615ull);
    jw_key(&w, "neg");
    jw_int(&w, -42);
    jw_key(&w, "s");
    jw_str(&w, "q\"b\\\n\x01\x7f\xc3\xa9");
    jw_key(&w, "n");
    jw_str(&w, NULL);
    jw_key(&w, "arr");
    jw_arr_open(&w);
    jw_obj_open(&w);
    jw_key(&w, "x");
    jw_bool(&w, true);
    jw_obj_close(&w);
    jw_obj_open(&w);
    jw_obj_close(&w);
    jw_uint(&w, 7);
    jw_arr_close(&w);
    jw_key(&w, "t");
    jw_time(&w, 1700000000123456ull);
    jw_obj_close(&w);
    CHECK_EQ_STR(w.buf, "{\"a\":0,\"big\":18446744073709551615,\"neg\":-42,"
                        "\"s\":\"q\\\"b\\\\\\n\\u0001\\u007f\xc3\xa9\",\"n\":null,"
                        "\"arr\":[{\"x\":true},{},7],\"t\":\"2023-11-14T22:13:20.123456Z\"}");
    /* reset starts a new line with no leftover comma state */
    jw_reset(&w);
    jw_obj_open(&w);
    jw_key(&w, "k");
    jw_strn(&w, "abc", 2);
    jw_obj_close(&w);
    CHECK_EQ_STR(w.buf, "{\"k\":\"ab\"}");
    /* not UTF-8: a lone continuation byte, a cut sequence, an overlong form, a surrogate */
    jw_reset(&w);
    jw_str(&w, "a\x80"
               "b\xc3\xe9\xc0\xaf\xed\xa0\x80\xf0\x9f\x98\x80");
    CHECK_EQ_STR(w.buf, "\"a\\\\x80"
                        "b\\\\xc3\\\\xe9\\\\xc0\\\\xaf\\\\xed\\\\xa0\\\\x80\xf0\x9f\x98\x80\"");
    FILE *f = fopen("/dev/null", "w");
    CHECK_EQ_INT(jw_write_line(&w, f), 0);
    fclose(f);
    jw_fini(&w);
    test_key_helpers();
    return check_report();
}
