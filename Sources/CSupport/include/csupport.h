// GNU extensions the Swift Glibc module does not expose (they need _GNU_SOURCE).
#pragma once
#include <spawn.h>

/// pipe2(fds, O_CLOEXEC): both ends close-on-exec from the start.
int csupport_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addclosefrom_np(actions, from): the child closes every descriptor >= from.
int csupport_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);

/// posix_spawn_file_actions_addchdir_np(actions, path): the child starts in `path`.
int csupport_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// malloc_trim(0): glibc gives the free memory of every arena back to the system.
int csupport_malloc_trim(void);
