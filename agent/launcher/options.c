/* vigil-launch's command line: --opt VALUE or --opt=VALUE, up to "--", then the program and its argv. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch.h"

#define DEFAULT_MAX_BYTES 10485760LL
#define DEFAULT_KEEP 5
#define DEFAULT_WAIT_TIMEOUT_SEC 60
#define DEFAULT_WAIT_ATTEMPT_MS 2000

static void usage(const char *why) {
  diag("%s", why);
  fprintf(stderr,
          "usage: vigil-launch [--service NAME] [--log FILE] [--max-bytes N] [--keep K]\n"
          "                    [--env-file FILE]... [--exits FILE] [--stop-timeout SEC] [--end-file FILE]\n"
          "                    [--wait-for NAME=http:URL|tcp:HOST:PORT|exec:ARGV]... [--wait-timeout SEC]\n"
          "                    [--wait-attempt-ms MS] -- PROGRAM [ARG...]\n");
  exit(EXIT_USAGE);
}

static long long parse_number(const char *opt, const char *s, long long min, long long max) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
    char why[256];
    snprintf(why, sizeof why, "%s must be a whole number from %lld to %lld, not \"%s\"", opt, min, max, s);
    usage(why);
  }
  return v;
}

void parse_options(int argc, char **argv, struct options *o) {
  o->max_bytes = DEFAULT_MAX_BYTES;
  o->keep = DEFAULT_KEEP;
  o->wait_timeout_sec = DEFAULT_WAIT_TIMEOUT_SEC;
  o->wait_attempt_ms = DEFAULT_WAIT_ATTEMPT_MS;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strncmp(a, "--", 2) != 0) usage("options end with \"--\" before the program");
    const char *eq = strchr(a, '=');
    size_t name_len = eq != NULL ? (size_t)(eq - a) : strlen(a);
    const char *value = eq != NULL ? eq + 1 : NULL;
    if (value == NULL) {
      if (i + 1 >= argc) usage("an option is missing its value");
      value = argv[++i];
    }
#define IS(name) (name_len == strlen(name) && strncmp(a, name, name_len) == 0)
    if (IS("--service"))
      o->service = value;
    else if (IS("--log"))
      o->log = value;
    else if (IS("--exits"))
      o->exits = value;
    else if (IS("--end-file"))
      o->end_file = value;
    else if (IS("--max-bytes"))
      o->max_bytes = parse_number("--max-bytes", value, 1, 1LL << 50);
    else if (IS("--keep"))
      o->keep = (int)parse_number("--keep", value, 0, 1000);
    else if (IS("--stop-timeout"))
      o->stop_timeout = (int)parse_number("--stop-timeout", value, 0, 86400);
    else if (IS("--env-file")) {
      if (o->n_env == MAX_ENV_FILES) usage("too many --env-file options");
      o->env_files[o->n_env++] = value;
    } else if (IS("--wait-for")) {
      char why[1400];
      if (o->n_waits == MAX_WAITS) usage("too many --wait-for options");
      if (waitdep_check(value, why, sizeof why) != 0) usage(why);
      o->waits[o->n_waits++] = value;
    } else if (IS("--wait-timeout"))
      o->wait_timeout_sec = parse_number("--wait-timeout", value, 1, 86400);
    else if (IS("--wait-attempt-ms"))
      o->wait_attempt_ms = parse_number("--wait-attempt-ms", value, 1, 3600000);
    else {
      char why[300];
      snprintf(why, sizeof why, "unknown option %.*s", (int)name_len, a);
      usage(why);
    }
#undef IS
  }
  if (i >= argc || argv[i][0] == '\0') usage("no program given after \"--\"");
  o->argv = argv + i;
}

