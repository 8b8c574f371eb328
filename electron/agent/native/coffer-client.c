/*
 * `coffer` for scripts, without Node's start-up: a file command sent whole to a running
 * `coffer agent`, as bin/coffer.cjs's thin client (agent-thin-client.ts) sends it, in a process
 * that starts in about a millisecond instead of Node's 75-120 ms. The same idea as nailgun's `ng`
 * and emacsclient: the work stays in the warm server, the client only carries bytes.
 *
 * It speaks protocol 2 of agent-wire.ts and decides nothing the Node client does not: anything it
 * does not send to the agent (a terminal on stdin, stdout or stderr, a command the agent does not
 * run, --no-agent, COFFER_AGENT=off, no agent or one that refuses, arguments that are not UTF-8) it
 * hands to `node bin/coffer.cjs` with the same arguments, by exec, so every command works and
 * behaves as before. test/integration/native-client.test.ts runs both against one agent.
 *
 * Built by scripts/build-native.js into dist/native/coffer (Linux, macOS); optional: without a C
 * compiler, bin/coffer.cjs is the command.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

extern char **environ;

#define AGENT_PROTOCOL 2
/* A line longer than this is not a message of the protocol (agent-wire.ts MAX_LINE). */
#define MAX_LINE (64u * 1024u * 1024u)
/* agent-wire.ts AGENT_LOST_MESSAGE, as the Node client prints it (the test compares them). */
#define AGENT_LOST_LINE                                                                                                \
  "{\"error\":{\"error_code\":\"COFFER.6002\",\"error_msg\":\"The agent stopped before the job finished. Files it "  \
  "had not finished were left as they were, with nothing under their output names; run the command again.\"}}\n"

static char root[PATH_MAX];

/* ---- the Node command, for everything this client does not send ---- */

static void run_node(int argc, char **argv) __attribute__((noreturn));
static void run_node(int argc, char **argv) {
  char entry[PATH_MAX];
  if (snprintf(entry, sizeof entry, "%s/bin/coffer.cjs", root) >= (int)sizeof entry) {
    fputs("coffer: the Coffer folder's path is too long.\n", stderr);
    exit(1);
  }
  char **args = calloc((size_t)argc + 2, sizeof *args);
  if (!args) exit(1);
  args[0] = "node";
  args[1] = entry;
  for (int i = 1; i < argc; i += 1) args[i + 1] = argv[i];
  signal(SIGPIPE, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  execvp("node", args);
  fprintf(stderr,
          "coffer: Node.js could not be started (%s). Coffer's commands run on Node 20 or later: install it, or put "
          "`node` on PATH.\n",
          strerror(errno));
  exit(127);
}

/* The Coffer folder: this program is ROOT/dist/native/coffer. */
static int find_root(void) {
  char exe[PATH_MAX];
#ifdef __APPLE__
  char raw[PATH_MAX];
  uint32_t size = sizeof raw;
  if (_NSGetExecutablePath(raw, &size) != 0 || !realpath(raw, exe)) return 0;
#else
  if (!realpath("/proc/self/exe", exe)) return 0;
#endif
  for (int up = 0; up < 3; up += 1) {
    char *slash = strrchr(exe, '/');
    if (!slash || slash == exe) return 0;
    *slash = '\0';
  }
  strcpy(root, exe);
  return 1;
}

/* ---- which commands the agent runs (agent-argv.ts) ---- */

static int agent_runs_argv(int argc, char **argv) {
  const char *name = NULL;
  for (int i = 1; i < argc; i += 1) {
    const char *arg = argv[i];
    if (!strcmp(arg, "--vault") || !strcmp(arg, "--passphrase-file")) i += 1;
    else if (arg[0] != '-') {
      name = arg;
      break;
    } else if (!strchr(arg, '=')) return 0;
  }
  if (!name || (strcmp(name, "encrypt-file") && strcmp(name, "decrypt-file") && strcmp(name, "verify-file"))) return 0;
  for (int i = 1; i < argc; i += 1) {
    const char *arg = argv[i];
    if (!strcmp(arg, "--no-agent") || !strcmp(arg, "--help") || !strcmp(arg, "-h") || !strcmp(arg, "--version") ||
        !strcmp(arg, "-V"))
      return 0;
  }
  return 1;
}

/* ---- the socket (agent-socket.ts) ---- */

static const char *env_or_null(const char *name) {
  const char *value = getenv(name);
  return value && value[0] ? value : NULL;
}

static int socket_path(char *out, size_t size) {
  const char *given = env_or_null("COFFER_AGENT_SOCKET");
  if (given) return snprintf(out, size, "%s", given) < (int)size;
  const char *runtime = env_or_null("XDG_RUNTIME_DIR");
  if (runtime) return snprintf(out, size, "%s/coffer/agent.sock", runtime) < (int)size;
  /* os.tmpdir(): TMPDIR, TMP, TEMP, else /tmp, without a trailing slash. */
  const char *tmp = env_or_null("TMPDIR");
  if (!tmp) tmp = env_or_null("TMP");
  if (!tmp) tmp = env_or_null("TEMP");
  if (!tmp) tmp = "/tmp";
  size_t length = strlen(tmp);
  while (length > 1 && tmp[length - 1] == '/') length -= 1;
  return snprintf(out, size, "%.*s/coffer-%u/agent.sock", (int)length, tmp, (unsigned)getuid()) < (int)size;
}

/* A socket in a folder only this user controls (mode 700, not a link); else it is not our agent. */
static int private_socket(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode)) return 0;
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash) strcpy(dir, ".");
  else if (slash == dir) dir[1] = '\0';
  else *slash = '\0';
  return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() && (st.st_mode & 077) == 0;
}

static int connect_agent(void) {
  char path[PATH_MAX];
  struct sockaddr_un address;
  if (!socket_path(path, sizeof path) || strlen(path) >= sizeof address.sun_path || !private_socket(path)) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  strcpy(address.sun_path, path);
  if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* ---- the request: one JSON line ---- */

typedef struct {
  char *bytes;
  size_t length, capacity;
} text;

static void append(text *t, const char *bytes, size_t length) {
  if (t->length + length > t->capacity) {
    size_t capacity = t->capacity ? t->capacity : 4096;
    while (capacity < t->length + length) capacity *= 2;
    char *grown = realloc(t->bytes, capacity);
    if (!grown) exit(1);
    t->bytes = grown;
    t->capacity = capacity;
  }
  memcpy(t->bytes + t->length, bytes, length);
  t->length += length;
}

static void append_str(text *t, const char *s) { append(t, s, strlen(s)); }

/* Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), as Node decodes it. */
static int valid_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      i += 1;
      continue;
    }
    size_t extra;
    unsigned int min, cp;
    if ((c & 0xe0) == 0xc0) extra = 1, min = 0x80, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0) extra = 2, min = 0x800, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0) extra = 3, min = 0x10000, cp = c & 0x07;
    else return 0;
    if (i + extra >= n) return 0;
    for (size_t k = 1; k <= extra; k += 1) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += extra + 1;
  }
  return 1;
}

/* A JSON string as JSON.stringify writes it; 0 when the bytes are not UTF-8. */
static int append_json_string(text *t, const char *s, size_t n) {
  if (!valid_utf8((const unsigned char *)s, n)) return 0;
  append(t, "\"", 1);
  size_t start = 0;
  for (size_t i = 0; i < n; i += 1) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    append(t, s + start, i - start);
    start = i + 1;
    char escape[8];
    switch (c) {
      case '"': append(t, "\\\"", 2); break;
      case '\\': append(t, "\\\\", 2); break;
      case '\b': append(t, "\\b", 2); break;
      case '\f': append(t, "\\f", 2); break;
      case '\n': append(t, "\\n", 2); break;
      case '\r': append(t, "\\r", 2); break;
      case '\t': append(t, "\\t", 2); break;
      default:
        snprintf(escape, sizeof escape, "\\u%04x", c);
        append(t, escape, 6);
    }
  }
  append(t, s + start, n - start);
  append(t, "\"", 1);
  return 1;
}

/* agent-wire.ts buildStamp: the CLI bundle's size and whole milliseconds of its mtime, as Node computes them. */
static int build_stamp(char *out, size_t size) {
  char bundle[PATH_MAX];
  struct stat st;
  if (snprintf(bundle, sizeof bundle, "%s/dist/electron/cli/coffer.bundle.cjs", root) >= (int)sizeof bundle ||
      stat(bundle, &st) != 0)
    return 0;
#ifdef __APPLE__
  double seconds = (double)st.st_mtimespec.tv_sec, nanos = (double)st.st_mtimespec.tv_nsec;
#else
  double seconds = (double)st.st_mtim.tv_sec, nanos = (double)st.st_mtim.tv_nsec;
#endif
  double ms = trunc(seconds * 1e3 + nanos / 1e6);
  return snprintf(out, size, "%lld-%.0f", (long long)st.st_size, ms) < (int)size;
}

/* The run-argv message (agent-protocol.ts RunArgvRequest); 0 when something in it is not UTF-8. */
static int request_line(text *t, int argc, char **argv) {
  char stamp[64], cwd[PATH_MAX], number[32];
  if (!build_stamp(stamp, sizeof stamp) || !getcwd(cwd, sizeof cwd)) return 0;
  snprintf(number, sizeof number, "%d", AGENT_PROTOCOL);
  append_str(t, "{\"type\":\"run-argv\",\"protocol\":");
  append_str(t, number);
  append_str(t, ",\"build\":");
  append_json_string(t, stamp, strlen(stamp));
  append_str(t, ",\"argv\":[");
  for (int i = 1; i < argc; i += 1) {
    if (i > 1) append(t, ",", 1);
    if (!append_json_string(t, argv[i], strlen(argv[i]))) return 0;
  }
  append_str(t, "],\"cwd\":");
  if (!append_json_string(t, cwd, strlen(cwd))) return 0;
  append_str(t, ",\"env\":{");
  int first = 1;
  for (char **entry = environ; *entry; entry += 1) {
    const char *equals = strchr(*entry, '=');
    if (!equals || equals == *entry) continue;
    if (!first) append(t, ",", 1);
    first = 0;
    if (!append_json_string(t, *entry, (size_t)(equals - *entry))) return 0;
    append(t, ":", 1);
    if (!append_json_string(t, equals + 1, strlen(equals + 1))) return 0;
  }
  append_str(t, "}}\n");
  return 1;
}

/* ---- the answers: flat JSON objects of strings and integers ---- */

typedef struct {
  char type[16], stream[16];
  long long bytes, code;
  int has_bytes, has_code;
} answer;

static const char *skip_space(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p += 1;
  return p;
}

/* A JSON string at p (after its quote is p[-1]); copies up to size-1 plain bytes into out. */
static const char *read_string(const char *p, const char *end, char *out, size_t size) {
  size_t n = 0;
  while (p < end && *p != '"') {
    if (*p == '\\') {
      if (++p >= end) return NULL;
      if (*p == 'u') {
        if (end - p < 5) return NULL;
        p += 4;
      }
      if (out && n + 1 < size) out[n++] = '?'; /* no value compared here holds an escape */
      p += 1;
      continue;
    }
    if ((unsigned char)*p < 0x20) return NULL;
    if (out && n + 1 < size) out[n++] = *p;
    p += 1;
  }
  if (p >= end) return NULL;
  if (out) out[n] = '\0';
  return p + 1;
}

static int parse_answer(const char *line, size_t length, answer *a) {
  const char *p = line, *end = line + length;
  memset(a, 0, sizeof *a);
  p = skip_space(p, end);
  if (p >= end || *p++ != '{') return 0;
  p = skip_space(p, end);
  if (p < end && *p == '}') return 0;
  for (;;) {
    char key[16];
    p = skip_space(p, end);
    if (p >= end || *p++ != '"' || !(p = read_string(p, end, key, sizeof key))) return 0;
    p = skip_space(p, end);
    if (p >= end || *p++ != ':') return 0;
    p = skip_space(p, end);
    if (p >= end) return 0;
    if (*p == '"') {
      char *into = !strcmp(key, "type") ? a->type : !strcmp(key, "stream") ? a->stream : NULL;
      if (!(p = read_string(p + 1, end, into, 16))) return 0;
    } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
      char *after;
      errno = 0;
      long long value = strtoll(p, &after, 10);
      if (errno || after == p || (after < end && (*after == '.' || *after == 'e' || *after == 'E'))) return 0;
      if (!strcmp(key, "bytes")) a->bytes = value, a->has_bytes = 1;
      else if (!strcmp(key, "code")) a->code = value, a->has_code = 1;
      p = after;
    } else return 0;
    p = skip_space(p, end);
    if (p < end && *p == ',') {
      p += 1;
      continue;
    }
    if (p < end && *p == '}') return skip_space(p + 1, end) == end;
    return 0;
  }
}

/* ---- relaying ---- */

static int signal_pipe[2] = {-1, -1};
static volatile sig_atomic_t signals_seen = 0, first_signal = 0;

static void on_signal(int number) {
  int saved = errno;
  if (signals_seen++ == 0) first_signal = number;
  if (write(signal_pipe[1], "", 1) < 0) {
    /* the pipe is full: a signal is already waiting to be seen */
  }
  errno = saved;
}

static int broken[3];

/*
 * Writes all of it to fd 1 or 2, waiting while a non-blocking pipe is full; a reader that left is
 * ignored. A second Ctrl-C quits even while a reader that never reads holds it here.
 */
static void print(int fd, const char *bytes, size_t length) {
  while (length > 0 && !broken[fd]) {
    if (signals_seen > 1) exit(128 + first_signal);
    ssize_t n = write(fd, bytes, length);
    if (n > 0) {
      bytes += n;
      length -= (size_t)n;
    } else if (n < 0 && errno == EINTR) continue;
    else if (n < 0 && errno == EAGAIN) {
      struct pollfd out = {fd, POLLOUT, 0};
      poll(&out, 1, 100);
    } else broken[fd] = 1;
  }
}

static int send_all(int fd, const char *bytes, size_t length) {
  while (length > 0) {
    ssize_t n = write(fd, bytes, length);
    if (n > 0) {
      bytes += n;
      length -= (size_t)n;
    } else if (n < 0 && errno == EINTR) continue;
    else return 0;
  }
  return 1;
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

enum { RELAY_EXIT, RELAY_REFUSED, RELAY_LOST };

/* Relays the agent's answers until it closes the socket; the exit status is in *code. */
static int relay(int fd, int *code) {
  text pending = {0};
  long long raw = 0;
  int stream = 1, refused = 0, has_exit = 0, interrupted = 0, stopped = 0;
  long long deadline = -1;
  char chunk[65536];
  for (;;) {
    if (signals_seen > 0 && !interrupted) {
      /* Ctrl-C or a kill cancels the job (the agent removes its temporary output); a second one,
         or no answer within two seconds, quits at once, which the agent also takes as a cancel. */
      interrupted = 128 + first_signal;
      send_all(fd, "{\"type\":\"cancel\"}\n", 18);
      deadline = now_ms() + 2000;
    }
    if (signals_seen > 1 || (deadline >= 0 && now_ms() >= deadline)) exit(interrupted);
    struct pollfd fds[2] = {{fd, POLLIN, 0}, {signal_pipe[0], POLLIN, 0}};
    int timeout = deadline < 0 ? -1 : (int)(deadline - now_ms() > 0 ? deadline - now_ms() : 0);
    if (poll(fds, 2, timeout) < 0 && errno != EINTR) break;
    if (fds[1].revents & POLLIN) {
      char drained[16];
      if (read(signal_pipe[0], drained, sizeof drained) < 0) {
        /* nothing to drain */
      }
    }
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    if (stopped) continue;
    const char *p = chunk;
    size_t left = (size_t)n;
    while (left > 0) {
      if (raw > 0) {
        size_t piece = (size_t)raw < left ? (size_t)raw : left;
        print(stream, p, piece);
        raw -= (long long)piece;
        p += piece;
        left -= piece;
        continue;
      }
      const char *newline = memchr(p, '\n', left);
      size_t take = newline ? (size_t)(newline - p) + 1 : left;
      append(&pending, p, take);
      p += take;
      left -= take;
      if (!newline) break;
      answer a;
      int ok = parse_answer(pending.bytes, pending.length - 1, &a);
      pending.length = 0;
      if (ok && !strcmp(a.type, "output") && a.has_bytes && a.bytes >= 0 && a.bytes <= 9007199254740991LL &&
          (!strcmp(a.stream, "stdout") || !strcmp(a.stream, "stderr"))) {
        stream = a.stream[3] == 'o' ? 1 : 2;
        raw = a.bytes;
      } else if (ok && !strcmp(a.type, "exit") && a.has_code) {
        has_exit = 1;
        *code = (int)a.code;
      } else if (ok && !strcmp(a.type, "refused")) refused = 1;
      else {
        stopped = 1; /* not a message of this protocol: the agent is not one to trust */
        break;
      }
    }
    if (!stopped && pending.length > MAX_LINE) stopped = 1;
    if (stopped) break;
  }
  close(fd);
  free(pending.bytes);
  if (has_exit) {
    if (interrupted) *code = interrupted;
    return RELAY_EXIT;
  }
  return refused ? RELAY_REFUSED : RELAY_LOST;
}

int main(int argc, char **argv) {
  if (!find_root()) {
    fputs("coffer: cannot tell where this program is installed; run bin/coffer.cjs in the Coffer folder.\n", stderr);
    return 1;
  }
  const char *agent = getenv("COFFER_AGENT");
  if ((agent && !strcmp(agent, "off")) || isatty(0) || isatty(1) || isatty(2) || !agent_runs_argv(argc, argv))
    run_node(argc, argv);
  text request = {0};
  if (!request_line(&request, argc, argv)) run_node(argc, argv);
  int fd = connect_agent();
  if (fd < 0) run_node(argc, argv);
  if (pipe(signal_pipe) != 0) run_node(argc, argv);
  fcntl(signal_pipe[0], F_SETFD, FD_CLOEXEC);
  fcntl(signal_pipe[1], F_SETFD, FD_CLOEXEC);
  fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
  if (!send_all(fd, request.bytes, request.length)) {
    close(fd);
    run_node(argc, argv);
  }
  free(request.bytes);
  int code = 1;
  switch (relay(fd, &code)) {
    case RELAY_EXIT: return code & 0xff;
    case RELAY_REFUSED:
      /* An agent of another build: the command runs here, and asks it no more. */
      setenv("COFFER_AGENT", "off", 1);
      run_node(argc, argv);
    default: print(2, AGENT_LOST_LINE, strlen(AGENT_LOST_LINE)); return 1;
  }
}
