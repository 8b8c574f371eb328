/*
 * AES-256-GCM over one ESDK frame, in place, with the OpenSSL that Node itself exports.
 *
 * Why: Node's cipher.update() returns a fresh buffer for every frame, so each gigabyte costs a
 * gigabyte of allocations, page faults and garbage collection on top of the cipher. Sealing and
 * opening in the caller's buffer removes all of it (measured on 1 GiB with two workers: 0.64 s
 * -> 0.47 s). The frame format, IVs, AADs and every check stay in TypeScript (frame-codec.ts);
 * this file only runs the cipher. electron/crypto/frame-cipher.ts falls back to node:crypto when
 * the addon is missing or its symbols do not resolve, and tests compare the two byte for byte.
 * Electron ships BoringSSL and exports none of it: for it, static/binding.gyp builds this file
 * again with libcrypto.a linked in (COFFER_OWN_OPENSSL).
 *
 * hmac512 is here for the same reason at a smaller scale: a folder of small files derives each
 * file's keys with three HMAC-SHA512s, and node:crypto's createHmac() costs an object, a key
 * import and a fresh digest buffer each time (about a tenth of a small file's CPU time).
 */
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define KEY_BYTES 32
#define IV_BYTES 12
#define TAG_BYTES 16

/* One cipher context per thread: each worker thread loads the addon into its own environment. */
static EVP_CIPHER_CTX *context_of(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok) return NULL;
  return (EVP_CIPHER_CTX *)data;
}

typedef struct {
  unsigned char *key, *iv, *aad, *data, *tag;
  size_t key_len, iv_len, aad_len, data_len, tag_len;
} frame_args;

static int buffer_arg(napi_env env, napi_value value, unsigned char **bytes, size_t *length) {
  bool is_buffer = false;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) return 0;
  return napi_get_buffer_info(env, value, (void **)bytes, length) == napi_ok;
}

/* (key, iv, aad, data, tag): all Buffers, with the sizes AES-256-GCM and the ESDK require. */
static int frame_args_of(napi_env env, napi_callback_info info, frame_args *a) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5 ||
      !buffer_arg(env, argv[0], &a->key, &a->key_len) || !buffer_arg(env, argv[1], &a->iv, &a->iv_len) ||
      !buffer_arg(env, argv[2], &a->aad, &a->aad_len) || !buffer_arg(env, argv[3], &a->data, &a->data_len) ||
      !buffer_arg(env, argv[4], &a->tag, &a->tag_len) || a->key_len != KEY_BYTES || a->iv_len != IV_BYTES ||
      a->tag_len != TAG_BYTES || a->aad_len > 0x7fffffff || a->data_len > 0x7fffffff) {
    napi_throw_type_error(env, "COFFER_AES_GCM_ARGS",
                          "expected (key: 32 bytes, iv: 12 bytes, aad, data: < 2 GiB, tag: 16 bytes) as Buffers");
    return 0;
  }
  return 1;
}

/* seal(key, iv, aad, data, tag): encrypts data in place and writes the tag into tag. */
static napi_value seal(napi_env env, napi_callback_info info) {
  frame_args a;
  if (!frame_args_of(env, info, &a)) return NULL;
  unsigned char nothing[1];
  if (a.data_len == 0) a.data = nothing; /* a header's tag seals no data; an empty Buffer may have no storage */
  EVP_CIPHER_CTX *ctx = context_of(env);
  int n = 0;
  int ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, a.key, a.iv) == 1 &&
           EVP_EncryptUpdate(ctx, NULL, &n, a.aad, (int)a.aad_len) == 1 &&
           EVP_EncryptUpdate(ctx, a.data, &n, a.data, (int)a.data_len) == 1 && (size_t)n == a.data_len &&
           EVP_EncryptFinal_ex(ctx, a.data + n, &n) == 1 && n == 0 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, a.tag) == 1;
  if (!ok) napi_throw_error(env, "COFFER_AES_GCM_FAILED", "AES-256-GCM sealing failed in OpenSSL");
  return NULL;
}

/* open(key, iv, aad, data, tag): decrypts data in place; true only when the tag verified. */
static napi_value open_frame(napi_env env, napi_callback_info info) {
  frame_args a;
  if (!frame_args_of(env, info, &a)) return NULL;
  unsigned char nothing[1];
  if (a.data_len == 0) a.data = nothing;
  EVP_CIPHER_CTX *ctx = context_of(env);
  unsigned char tag[TAG_BYTES];
  memcpy(tag, a.tag, TAG_BYTES);
  int n = 0;
  int ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, a.key, a.iv) == 1 &&
           EVP_DecryptUpdate(ctx, NULL, &n, a.aad, (int)a.aad_len) == 1 &&
           EVP_DecryptUpdate(ctx, a.data, &n, a.data, (int)a.data_len) == 1 && (size_t)n == a.data_len &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) == 1 &&
           EVP_DecryptFinal_ex(ctx, a.data + n, &n) == 1 && n == 0;
  napi_value result;
  napi_get_boolean(env, ok, &result);
  return result;
}

/* hmac512(key, data, out): HMAC-SHA512 of data under key, written into out (64 bytes). */
static napi_value hmac512(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  unsigned char *key, *data, *out;
  size_t key_len, data_len, out_len;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
      !buffer_arg(env, argv[0], &key, &key_len) || !buffer_arg(env, argv[1], &data, &data_len) ||
      !buffer_arg(env, argv[2], &out, &out_len) || out_len != 64 || key_len > 0x7fffffff) {
    napi_throw_type_error(env, "COFFER_HMAC_ARGS", "expected (key, data, out: 64 bytes) as Buffers");
    return NULL;
  }
  /* An empty Buffer may have no storage: OpenSSL is given a valid pointer for zero bytes. */
  static const unsigned char nothing[1] = {0};
  unsigned int n = 0;
  if (!HMAC(EVP_sha512(), key_len ? key : nothing, (int)key_len, data_len ? data : nothing, data_len, out, &n) ||
      n != 64)
    napi_throw_error(env, "COFFER_HMAC_FAILED", "HMAC-SHA512 failed in OpenSSL");
  return NULL;
}

static void free_context(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  EVP_CIPHER_CTX_free((EVP_CIPHER_CTX *)data);
}

NAPI_MODULE_INIT() {
#ifdef COFFER_OWN_OPENSSL
  /* The self-contained build's OpenSSL reads no configuration file: the one of the machine it
     was built on is compiled in as a path, and on the user's machine that file may name providers
     that are not there, which would make every seal fail. The cipher needs no configuration. */
  if (!OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL)) {
    napi_throw_error(env, "COFFER_AES_GCM_FAILED", "could not initialise the addon's OpenSSL");
    return NULL;
  }
#endif
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!ctx || napi_set_instance_data(env, ctx, free_context, NULL) != napi_ok) {
    EVP_CIPHER_CTX_free(ctx);
    napi_throw_error(env, "COFFER_AES_GCM_FAILED", "could not create an OpenSSL cipher context");
    return NULL;
  }
  napi_value fn;
  napi_create_function(env, "seal", NAPI_AUTO_LENGTH, seal, NULL, &fn);
  napi_set_named_property(env, exports, "seal", fn);
  napi_create_function(env, "open", NAPI_AUTO_LENGTH, open_frame, NULL, &fn);
  napi_set_named_property(env, exports, "open", fn);
  napi_create_function(env, "hmac512", NAPI_AUTO_LENGTH, hmac512, NULL, &fn);
  napi_set_named_property(env, exports, "hmac512", fn);
  return exports;
}
