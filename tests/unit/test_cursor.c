/* test_cursor.c - the bounds-checked reader: every getter, sticky errors, child cursors. */
#include "../../dissectors/cursor.h"
#include "check.h"

static void
test_getters(void)
{
    static const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                                0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
                                0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a};
    struct cursor c = cur_init(b, sizeof(b));
    CHECK_EQ_INT(cur_get_u8(&c), 0x01);
    CHECK_EQ_INT(cur_get_be16(&c), 0x0203);
    CHECK_EQ_INT(cur_get_be24(&c), 0x040506);
    CHECK_EQ_INT(cur_get_be32(&c), 0x0708090a);
    CHECK(cur_get_be64(&c) == 0x0b0c0d0e0f101112ULL);
    CHECK_EQ_INT(cur_get_le16(&c), 0x1413);
    CHECK_EQ_INT(cur_get_le32(&c), 0x18171615);
    CHECK_EQ_INT(cur_left(&c), 2);
    CHECK(cur_ok(&c));
    CHECK_EQ_INT(cur_peek_u8(&c), 0x19);
    CHECK_EQ_INT(cur_left(&c), 2);
    uint8_t v = 0;
    CHECK(cur_peek_at(&c, 1, &v) && v == 0x1a);
    CHECK(!cur_peek_at(&c, 2, &v));
    CHECK(cur_ok(&c)); /* peek_at past the end does not fail the cursor */
}

static void
test_sticky_failure(void)
{
    static const uint8_t b[] = {0xaa, 0xbb, 0xcc};
    struct cursor c = cur_init(b, sizeof(b));
    CHECK_EQ_INT(cur_get_be32(&c), 0); /* 4 > 3: fails, returns 0 */
    CHECK(!cur_ok(&c));
    CHECK_EQ_INT(cur_left(&c), 0);
    CHECK_EQ_INT(cur_get_u8(&c), 0); /* sticky: even a 1-byte read fails now */
    CHECK(!cur_ok(&c));
    CHECK(cur_get_bytes(&c, 0) == NULL);
}

static void
test_take_and_skip(void)
{
    /* a TLV list: type(1) len(1) value */
    static const uint8_t b[] = {0x01, 0x02, 0xde, 0xad, 0x02, 0x05, 0x01};
    struct cursor c = cur_init(b, sizeof(b));
    CHECK_EQ_INT(cur_get_u8(&c), 1);
    struct cursor v = cur_take(&c, cur_get_u8(&c));
    CHECK(cur_ok(&v));
    CHECK_EQ_INT(cur_get_be16(&v), 0xdead);
    CHECK_EQ_INT(cur_left(&v), 0);
    CHECK_EQ_INT(cur_get_u8(&v), 0); /* child cannot read past its own end */
    CHECK(!cur_ok(&v));
    CHECK(cur_ok(&c)); /* the parent is unaffected by the child's failure */
    CHECK_EQ_INT(cur_get_u8(&c), 2);
    struct cursor w = cur_take(&c, cur_get_u8(&c)); /* claims 5, only 1 left */
    CHECK(!cur_ok(&w));
    CHECK(!cur_ok(&c));
    struct cursor d = cur_init(b, sizeof(b));
    cur_skip(&d, 7);
    CHECK(cur_ok(&d));
    cur_skip(&d, 1);
    CHECK(!cur_ok(&d));
}

static void
test_copy_and_rest(void)
{
    static const uint8_t b[] = {1, 2, 3, 4};
    uint8_t out[4] = {9, 9, 9, 9};
    struct cursor c = cur_init(b, sizeof(b));
    CHECK(cur_copy(&c, out, 2));
    CHECK(out[0] == 1 && out[1] == 2);
    struct cursor r = cur_rest(&c);
    CHECK_EQ_INT(cur_left(&r), 2);
    CHECK_EQ_INT(cur_left(&c), 0);
    CHECK(cur_ok(&c));
    CHECK(!cur_copy(&c, out, 2));
    CHECK(out[0] == 0 && out[1] == 0); /* zero-filled on failure */
    struct cursor n = cur_init(NULL, 10);
    CHECK_EQ_INT(cur_left(&n), 0);
}

/*
 * Every cursor call on an empty cursor, however it became empty. Zero-length
 * operations succeed without failing the cursor and without pointer
 * arithmetic on NULL (undefined even when adding 0: clang's UBSan reports
 * "applying zero offset to null pointer", see unit.cursor_clang_ubsan); reads
 * of one byte or more fail and return 0. cur_ptr() is never NULL.
 */
enum empty_kind {
    EMPTY_NULL,
    EMPTY_NULL_LEN,
    EMPTY_ZERO_LEN,
    EMPTY_HAND_BUILT,
    EMPTY_FAILED_TAKE,
    EMPTY_REST,
    EMPTY_TAKE_ZERO,
    EMPTY_KINDS
};

static struct cursor
make_empty(enum empty_kind k)
{
    static const uint8_t b[] = {1, 2, 3};
    struct cursor c;
    switch (k) {
    case EMPTY_NULL:
        return cur_init(NULL, 0);
    case EMPTY_NULL_LEN:
        return cur_init(NULL, 10); /* a length without bytes is empty */
    case EMPTY_ZERO_LEN:
        return cur_init(b, 0);
    case EMPTY_HAND_BUILT: {
        struct cursor z = {NULL, 0, false};
        return z;
    }
    case EMPTY_FAILED_TAKE: {
        c = cur_init(NULL, 0);
        struct cursor child = cur_take(&c, 1); /* fails: the child is bad and empty */
        child.bad = false;                     /* used as an empty cursor all the same */
        return child;
    }
    case EMPTY_REST:
        c = cur_init(NULL, 0);
        return cur_rest(&c);
    case EMPTY_TAKE_ZERO:
    default:
        c = cur_init(NULL, 0);
        return cur_take(&c, 0);
    }
}

static void
test_empty_cursor(void)
{
    for (int k = 0; k < EMPTY_KINDS; k++) {
        struct cursor c = make_empty((enum empty_kind)k);
        CHECK(cur_ok(&c));
        CHECK_EQ_INT(cur_left(&c), 0);
        CHECK(cur_ptr(&c) != NULL);

        /* zero-length operations succeed and leave the cursor good */
        cur_skip(&c, 0);
        CHECK(cur_ok(&c));
        const uint8_t *v = cur_get_bytes(&c, 0);
        CHECK(v != NULL); /* an empty view, not a failure */
        CHECK(cur_ok(&c));
        CHECK(cur_copy(&c, NULL, 0));
        CHECK(cur_ok(&c));
        struct cursor t = cur_take(&c, 0);
        CHECK(cur_ok(&t) && cur_left(&t) == 0 && cur_ptr(&t) != NULL);
        CHECK(cur_ok(&c));
        struct cursor r = cur_rest(&c);
        CHECK(cur_ok(&r) && cur_left(&r) == 0 && cur_ptr(&r) != NULL);
        CHECK(cur_ok(&c));
        uint8_t peek = 7;
        CHECK(!cur_peek_at(&c, 0, &peek));
        CHECK_EQ_INT(peek, 7);
        CHECK(cur_ok(&c)); /* peek_at does not fail the cursor */
        CHECK_EQ_INT(cur_left(&c), 0);
        CHECK(cur_ptr(&c) != NULL);

        /* every read of one byte or more fails, returns 0 and makes the cursor bad */
        struct cursor f;
        f = make_empty((enum empty_kind)k);
        CHECK_EQ_INT(cur_get_u8(&f), 0);
        CHECK(!cur_ok(&f));
        f = make_empty((enum empty_kind)k);
        CHECK_EQ_INT(cur_get_be16(&f), 0);
        CHECK(!cur_ok(&f));
        f = make_empty((enum empty_kind)k);
        CHECK_EQ_INT(cur_get_be24(&f), 0);
        CHECK(!cur_ok(&f));
        f = make_empty((enum empty_kind)k);
        CHECK_EQ_INT(cur_get_be32(&f), 0);
        CHECK(!cur_ok(&f));
        f = make_empty((enum empty_kind)k);
        CHECK(cur_get_be64(&f) == 0);
        CHECK(!cur_ok(&f));
        f = make_empty((enum empty_kind)k);
        CHECK_EQ_INT(cur_get_le16(&f), 0);
        CHECK(!cur_ok(&f));
        f = make_empty((enum empty_kind)k);
        CHECK_EQ_INT(cur_get_le32(&f), 0);
        CHECK(!cur_ok(&f));
        f = make_empty((enum empty_kind)k);
        CHECK_EQ_INT(cur_peek_u8(&f), 0);
        CHECK(!cur_ok(&f));
        f = make_empty((enum empty_kind)k);
        cur_skip(&f, 1);
        CHECK(!cur_ok(&f));
        f = make_empty((enum empty_kind)k);
        CHECK(cur_get_bytes(&f, 1) == NULL);
        CHECK(!cur_ok(&f));
        f = make_empty((enum empty_kind)k);
        uint8_t out[2] = {9, 9};
        CHECK(!cur_copy(&f, out, 2));
        CHECK(out[0] == 0 && out[1] == 0);
        CHECK(!cur_ok(&f));
        f = make_empty((enum empty_kind)k);
        struct cursor bad = cur_take(&f, 1);
        CHECK(!cur_ok(&bad) && !cur_ok(&f) && cur_ptr(&bad) != NULL);

        /* a failed cursor: zero-length operations keep failing, still without NULL arithmetic */
        CHECK(cur_get_bytes(&f, 0) == NULL);
        cur_skip(&f, 0);
        struct cursor fr = cur_rest(&f);
        CHECK(!cur_ok(&fr) && cur_left(&fr) == 0 && cur_ptr(&fr) != NULL);
        CHECK(!cur_copy(&f, NULL, 0));
        CHECK(cur_ptr(&f) != NULL);
    }
}

int
main(void)
{
    test_empty_cursor();
    test_getters();
    test_sticky_failure();
    test_take_and_skip();
    test_copy_and_rest();
    return check_report();
}
