/* digest.c - message digests with algorithms fetched once (see digest.h). */
#include "digest.h"

static const char *const digest_names[DIGEST_ALG_COUNT] = {"MD5", "SHA1", "SHA256"};

const EVP_MD *
digest_md(enum digest_alg alg)
{
    static EVP_MD *fetched[DIGEST_ALG_COUNT];
    if ((unsigned)alg >= DIGEST_ALG_COUNT)
        return NULL;
    if (!fetched[alg])
        fetched[alg] = EVP_MD_fetch(NULL, digest_names[alg], NULL);
    return fetched[alg];
}

bool
digest_bytes(enum digest_alg alg, const void *p, size_t len, unsigned char *out, unsigned out_len)
{
    static EVP_MD_CTX *ctx;
    const EVP_MD *md = digest_md(alg);
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!md || (unsigned)EVP_MD_get_size(md) != out_len)
        return false;
    if (!ctx && !(ctx = EVP_MD_CTX_new()))
        return false;
    if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 || (len && EVP_DigestUpdate(ctx, p, len) != 1) ||
        EVP_DigestFinal_ex(ctx, buf, &n) != 1 || n != out_len)
        return false;
    for (unsigned i = 0; i < n; i++)
        out[i] = buf[i];
    return true;
}
