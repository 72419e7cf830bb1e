#ifndef OCTOISP_CLIBCRYPTO_SHIM_H
#define OCTOISP_CLIBCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/des.h>
#include <openssl/err.h>
#endif
