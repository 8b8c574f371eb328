# Built by scripts/build-native.js (part of `npm run build`); see aes-gcm.c for why it exists.
# No OpenSSL library is linked: the symbols resolve against the node binary that loads it.
{
  "targets": [
    {
      "target_name": "coffer_aes_gcm",
      "sources": ["aes-gcm.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": { "OTHER_LDFLAGS": ["-undefined", "dynamic_lookup"] }
    }
  ]
}
