/* Attacks on what a user adds to a preset: sockets of every family, clone with namespace
 * flags, reads through procfs and devices, opens relative to a directory descriptor, openat2
 * whose flags change after the host read them, readlink. Same conventions as attacks.c: a
 * non-negative result means the attack went through, -errno that it was refused; every loop is
 * bounded. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(void) { return -errno; }

/* Creates a socket of any family, type and protocol; returns 0 (closed again) or -errno. */
int hostile_socket(int family, int type, int protocol) {
    int fd = socket(family, type, protocol);
    if (fd < 0) return fail();
    close(fd);
    return 0;
}

/* A datagram socketpair, then a datagram to a path on the host through it. */
int hostile_socketpair_sendto(const char *path) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) return fail();
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    ssize_t sent = sendto(pair[0], "x", 1, 0, (struct sockaddr *)&addr, sizeof addr);
    int result = sent < 0 ? fail() : (int)sent;
    close(pair[0]);
    close(pair[1]);
    return result;
}

/* clone(2) with the given flags (plus SIGCHLD), the child exiting at once: the child's pid
 * (reaped) or -errno. */
int hostile_clone(unsigned long flags) {
    long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) _exit(0);
    if (pid < 0) return fail();
    waitpid((pid_t)pid, 0, 0);
    return (int)pid;
}

/* The effective capability set's low word (0: none), or -errno. */
int hostile_capabilities(void) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &header, data) != 0) return fail();
    return (int)(data[0].effective & 0x7fffffff) | (data[1].effective ? 1 : 0);
}

/* Lists a directory: the number of entries, or -errno. */
int hostile_list_dir(const char *path) {
    DIR *dir = opendir(path);
    if (!dir) return fail();
    int count = 0;
    while (readdir(dir) && count < 100000) count++;
    closedir(dir);
    return count;
}

/* Opens with O_PATH: 0 or -errno. */
int hostile_open_path(const char *path) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return fail();
    close(fd);
    return 0;
}

/* Opens `dir`, then `relative` relative to it, and reads it into `out`. */
int hostile_read_at(const char *dir, const char *relative, char *out, int cap) {
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) return fail();
    int fd = openat(dirfd, relative, O_RDONLY | O_CLOEXEC);
    int saved = fd < 0 ? fail() : 0;
    close(dirfd);
    if (fd < 0) return saved;
    ssize_t got = read(fd, out, (size_t)cap);
    int result = got < 0 ? fail() : (int)got;
    close(fd);
    return result;
}

/* Opens `relative` relative to a descriptor the broker never handed out (standard input). */
int hostile_read_at_unknown_descriptor(const char *relative) {
    int fd = openat(STDIN_FILENO, relative, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail();
    close(fd);
    return 0;
}

struct flag_race {
    struct open_how *how;
    volatile int stop;
};

static void *flip_flags(void *arg) {
    struct flag_race *race = arg;
    for (long i = 0; i < 50000000 && !race->stop; i++) {
        race->how->flags = (i & 1) ? (O_WRONLY | O_TRUNC) : O_RDONLY;
    }
    return 0;
}

/* openat2(dirfd of `dir`, `name`, RESOLVE_BENEATH) read-only while another thread flips the
 * flags to O_WRONLY|O_TRUNC: the number of opens that came back writable (0 when the host
 * acted on its own copy of the flags). */
int hostile_openat2_flag_race(const char *dir, const char *name, int rounds) {
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) return fail();
    struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_BENEATH};
    struct flag_race race = {.how = &how, .stop = 0};
    pthread_t thread;
    if (pthread_create(&thread, 0, flip_flags, &race) != 0) { close(dirfd); return -EAGAIN; }
    int writable = 0;
    for (int i = 0; i < rounds; i++) {
        how.flags = O_RDONLY;
        long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
        if (fd >= 0) {
            int mode = fcntl((int)fd, F_GETFL);
            if (mode >= 0 && (mode & O_ACCMODE) != O_RDONLY) writable++;
            close((int)fd);
        }
    }
    race.stop = 1;
    pthread_join(thread, 0);
    close(dirfd);
    return writable;
}

/* readlink: the target's length (copied into `out`), or -errno. */
int hostile_readlink(const char *path, char *out, int cap) {
    ssize_t got = readlink(path, out, (size_t)cap);
    return got < 0 ? fail() : (int)got;
}

/* close(fd): 0 or -errno. */
int hostile_close(int fd) { return close(fd) == 0 ? 0 : fail(); }

/* dup2(from, to): the new descriptor or -errno. */
int hostile_dup2(int from, int to) {
    int fd = dup2(from, to);
    return fd < 0 ? fail() : fd;
}

static void *blocked_call(void *unused) {
    (void)unused;
    long fd = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
    if (fd >= 0) close((int)fd);
    return 0;
}

/* A call outside the policy made by a second thread: 0 if the thread ran, or -errno. */
int hostile_blocked_call_from_thread(void) {
    pthread_t thread;
    if (pthread_create(&thread, 0, blocked_call, 0) != 0) return -EAGAIN;
    pthread_join(thread, 0);
    return 0;
}
