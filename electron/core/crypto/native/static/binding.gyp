# The same addon with OpenSSL's libcrypto linked in, for runtimes whose own OpenSSL is not there to
# link against: Electron ships BoringSSL and exports none of it. Linux only (Debian's libssl-dev
# ships libcrypto.a); its symbols stay hidden, so it never clashes with the host's copy. Built by
# scripts/build-native.js when libcrypto.a is installed; frame-cipher.ts loads it under Electron.
{
  "targets": [
    {
      "target_name": "coffer_aes_gcm_static",
      "sources": ["../aes-gcm.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8", "COFFER_OWN_OPENSSL"],
      "conditions": [
        [
          "OS=='linux'",
          {
            "ldflags": ["-Wl,--exclude-libs,ALL", "-Wl,-Bsymbolic"],
            "libraries": ["-l:libcrypto.a", "-lpthread", "-ldl"]
          }
        ]
      ]
    }
  ]
}
