#!/bin/sh
# Runs a command inside a private D-Bus session with a throwaway, unlocked gnome-keyring,
# so the keychain tests use a real Secret Service and never touch the user's own keyring.
set -eu
if [ "${COFFER_TEST_KEYRING:-}" = "1" ]; then
  exec "$@"
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-test-keyring: '$tool' is missing. On Debian/Ubuntu: sudo apt-get install dbus gnome-keyring libsecret-1-dev" >&2
    exit 1
  fi
done
keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/coffer-test-keyring.XXXXXX")
trap 'rm -rf "$keyring_home"' EXIT INT TERM
export COFFER_TEST_KEYRING=1 COFFER_TEST_KEYRING_HOME="$keyring_home"
dbus-run-session -- sh -c '
  eval "$(printf coffer-test | XDG_DATA_HOME="$COFFER_TEST_KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  exec "$@"
' sh "$@"
