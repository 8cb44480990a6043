#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <spawn.h>
#include <unistd.h>
#include "csupport.h"

int csupport_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int csupport_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

int csupport_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int csupport_malloc_trim(void) { return malloc_trim(0); }
