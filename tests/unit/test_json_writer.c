/* test_json_writer.c - JSON Lines writer: nesting, commas, escaping, numbers, times. */
#include <stdio.h>
#include <string.h>

#include "../../emit/json_writer.h"
#include "check.h"

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
    return check_report();
}
