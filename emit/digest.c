/* digest.c - message digests with algorithms fetched once (see digest.h). */
#include <pthread.h>

#include "digest.h"

static const char *const digest_names[DIGEST_ALG_COUNT] = {"MD5", "SHA1", "SHA256"};
static EVP_MD *digest_fetched[DIGEST_ALG_COUNT];
static pthread_once_t digest_once = PTHREAD_ONCE_INIT;

static void
digest_fetch_all(void)
{
    for (int i = 0; i < DIGEST_ALG_COUNT; i++)
        digest_fetched[i] = EVP_MD_fetch(NULL, digest_names[i], NULL);
}

const EVP_MD *
digest_md(enum digest_alg alg)
{
    if ((unsigned)alg >= DIGEST_ALG_COUNT)
        return NULL;
    pthread_once(&digest_once, digest_fetch_all);
    return digest_fetched[alg];
}

bool
digest_bytes(enum digest_alg alg, const void *p, size_t len, unsigned char *out, unsigned out_len)
{
    /* EVP_Digest's context is its own: any thread may call (records.c writes from a thread) */
    const EVP_MD *md = digest_md(alg);
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!md || (unsigned)EVP_MD_get_size(md) != out_len)
        return false;
    if (EVP_Digest(p, len, buf, &n, md, NULL) != 1 || n != out_len)
        return false;
    for (unsigned i = 0; i < n; i++)
        out[i] = buf[i];
    return true;
}
