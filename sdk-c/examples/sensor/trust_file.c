/*
 * The sensor's stored Clique trust: the SDK's fixed record (pythia_clique_trust_encode/decode) in a
 * file. A write goes to PATH.tmp, is fsync'd, renamed over PATH (atomic on POSIX file systems), then
 * the directory is fsync'd so the rename itself survives a power loss: at every moment PATH is the
 * old record or the new one. The record's checksum catches what a file system could still tear.
 */
#define _POSIX_C_SOURCE 200809L
#include "trust_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

trust_file_result trust_file_load(const char *path, uint64_t chain_id, const pythia_clique_trust *genesis,
                                  uint8_t (*validators)[20], size_t capacity, pythia_clique_trust *out, char *why, size_t why_capacity) {
  uint8_t record[PYTHIA_CLIQUE_TRUST_BYTES(PYTHIA_CLIQUE_TRUST_MAX_VALIDATORS) + 1];
  size_t length = 0;
  ssize_t n;
  pythia_result r;
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    if (errno == ENOENT) return TRUST_FILE_ABSENT;
    snprintf(why, why_capacity, "%s", strerror(errno));
    return TRUST_FILE_REFUSED;
  }
  /* One byte over the largest record: a longer file reads as trust_truncated (its length is not its count's). */
  while (length < sizeof record && (n = read(fd, record + length, sizeof record - length)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      snprintf(why, why_capacity, "%s", strerror(errno));
      close(fd);
      return TRUST_FILE_REFUSED;
    }
    length += (size_t)n;
  }
  close(fd);
  r = pythia_clique_trust_decode(record, length, chain_id, genesis, validators, capacity, out);
  if (r == PYTHIA_OK) return TRUST_FILE_LOADED;
  snprintf(why, why_capacity, "%s", pythia_reason(r));
  return TRUST_FILE_REFUSED;
}

static int write_all(int fd, const uint8_t *data, size_t length) {
  while (length > 0) {
    ssize_t n = write(fd, data, length);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    data += n;
    length -= (size_t)n;
  }
  return 0;
}

int trust_file_store(const char *path, uint64_t chain_id, const pythia_clique_trust *genesis, const pythia_clique_trust *trust, char *why,
                     size_t why_capacity) {
  uint8_t record[PYTHIA_CLIQUE_TRUST_BYTES(PYTHIA_CLIQUE_TRUST_MAX_VALIDATORS)];
  char temporary[4096], directory[4096];
  const char *slash;
  size_t length;
  int fd;
  pythia_result r = pythia_clique_trust_encode(trust, chain_id, genesis, record, sizeof record, &length);
  if (r != PYTHIA_OK) {
    snprintf(why, why_capacity, "%s", pythia_reason(r));
    return -1;
  }
  if (snprintf(temporary, sizeof temporary, "%s.tmp", path) >= (int)sizeof temporary) {
    snprintf(why, why_capacity, "path too long");
    return -1;
  }
  fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write_all(fd, record, length) != 0 || fsync(fd) != 0) {
    snprintf(why, why_capacity, "%s: %s", temporary, strerror(errno));
    if (fd >= 0) close(fd);
    unlink(temporary);
    return -1;
  }
  if (close(fd) != 0 || rename(temporary, path) != 0) {
    snprintf(why, why_capacity, "%s: %s", path, strerror(errno));
    unlink(temporary);
    return -1;
  }
  slash = strrchr(path, '/');
  if (slash == NULL) snprintf(directory, sizeof directory, ".");
  else if (slash == path) snprintf(directory, sizeof directory, "/");
  else snprintf(directory, sizeof directory, "%.*s", (int)(slash - path), path);
  fd = open(directory, O_RDONLY);
  if (fd < 0 || fsync(fd) != 0) {
    snprintf(why, why_capacity, "%s: %s", directory, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  close(fd);
  return 0;
}
