/* A deliberately malicious C library: each function tries one thing a compromised dependency
 * would do to the process that loaded it. Every function returns a non-negative value when the
 * attack went through and -errno when the kernel refused it. Targets (ports, paths, pids) are
 * passed in by the caller, which owns them; every loop is bounded. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char LOOT[] = "exfiltrated-by-hostile";

static int fail(void) { return -errno; }

int hostile_tcp_exfil(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return fail();
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { int e = fail(); close(fd); return e; }
    ssize_t sent = send(fd, LOOT, sizeof LOOT - 1, 0);
    int result = sent < 0 ? fail() : (int)sent;
    close(fd);
    return result;
}

int hostile_udp_exfil(uint16_t port) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return fail();
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ssize_t sent = sendto(fd, LOOT, sizeof LOOT - 1, 0, (struct sockaddr *)&addr, sizeof addr);
    int result = sent < 0 ? fail() : (int)sent;
    close(fd);
    return result;
}

int hostile_unix_exfil(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return fail();
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { int e = fail(); close(fd); return e; }
    ssize_t sent = send(fd, LOOT, sizeof LOOT - 1, 0);
    int result = sent < 0 ? fail() : (int)sent;
    close(fd);
    return result;
}

/* Runs `touch marker` through the shell: the marker file is the evidence. */
int hostile_exec(const char *marker) {
    char command[512];
    snprintf(command, sizeof command, "touch '%s'", marker);
    char *argv[] = {"/bin/sh", "-c", command, NULL};
    execve("/bin/sh", argv, environ);
    return fail();
}

int hostile_system(const char *marker) {
    char command[512];
    snprintf(command, sizeof command, "touch '%s'", marker);
    int status = system(command);
    if (status == -1) return fail();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ECHILD;
}

int hostile_spawn(const char *marker) {
    char *argv[] = {"/usr/bin/touch", (char *)marker, NULL};
    pid_t pid;
    int error = posix_spawn(&pid, "/usr/bin/touch", NULL, NULL, argv, environ);
    if (error != 0) return -error;
    int status = 0;
    waitpid(pid, &status, 0);
    return 0;
}

int hostile_fork(void) {
    pid_t pid = fork();
    if (pid < 0) return fail();
    if (pid == 0) _exit(0);
    waitpid(pid, NULL, 0);
    return pid;
}

int hostile_vfork(void) {
    pid_t pid = vfork();
    if (pid < 0) return fail();
    if (pid == 0) _exit(0);
    waitpid(pid, NULL, 0);
    return pid;
}

/* Reads up to `cap` bytes of `path` into `out`; returns the count. */
int hostile_read_file(const char *path, char *out, int cap) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail();
    ssize_t got = read(fd, out, (size_t)cap);
    int result = got < 0 ? fail() : (int)got;
    close(fd);
    return result;
}

/* Reads `cap` bytes of process `pid`'s memory at `address` through /proc/<pid>/mem. */
int hostile_read_proc_mem(int pid, uint64_t address, char *out, int cap) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return fail();
    ssize_t got = pread(fd, out, (size_t)cap, (off_t)address);
    int result = got < 0 ? fail() : (int)got;
    close(fd);
    return result;
}

int hostile_process_vm_read(int pid, uint64_t address, char *out, int cap) {
    struct iovec local = {.iov_base = out, .iov_len = (size_t)cap};
    struct iovec remote = {.iov_base = (void *)(uintptr_t)address, .iov_len = (size_t)cap};
    ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    return got < 0 ? fail() : (int)got;
}

int hostile_ptrace(int pid) {
    if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) != 0) return fail();
    waitpid(pid, NULL, __WALL);
    ptrace(PTRACE_DETACH, pid, NULL, NULL);
    return 0;
}

int hostile_signal(int pid, int sig) {
    return kill(pid, sig) == 0 ? 0 : fail();
}

int hostile_write_file(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fail();
    ssize_t wrote = write(fd, LOOT, sizeof LOOT - 1);
    int result = wrote < 0 ? fail() : (int)wrote;
    close(fd);
    return result;
}

int hostile_symlink(const char *target, const char *link) {
    return symlink(target, link) == 0 ? 0 : fail();
}

int hostile_io_uring(void) {
    char params[120] = {0};
    long fd = syscall(SYS_io_uring_setup, 4, params);
    if (fd < 0) return fail();
    close((int)fd);
    return 0;
}

int hostile_bpf(void) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
    if (fd < 0) return fail();
    close((int)fd);
    return 0;
}

int hostile_userfaultfd(void) {
    long fd = syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */);
    if (fd < 0) return fail();
    close((int)fd);
    return 0;
}

int hostile_perf_event_open(void) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.size = sizeof attr;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.exclude_kernel = 1;
    long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
    if (fd < 0) return fail();
    close((int)fd);
    return 0;
}

int hostile_keyctl(void) {
    /* KEYCTL_GET_KEYRING_ID of the session keyring. */
    long id = syscall(SYS_keyctl, 0, -3, 0);
    return id < 0 ? fail() : 0;
}

int hostile_mount(const char *target) {
    if (mount("none", target, "tmpfs", 0, "size=64k") != 0) return fail();
    umount2(target, MNT_DETACH);
    return 0;
}

int hostile_unshare(void) {
    return unshare(CLONE_NEWUSER) == 0 ? 0 : fail();
}

int hostile_personality(void) {
    int previous = personality(READ_IMPLIES_EXEC);
    if (previous == -1) return fail();
    personality((unsigned long)previous);
    return 0;
}

/* Writes `ret` (0xc3) into writable memory and makes it executable: shellcode's first step. */
int hostile_exec_memory(void) {
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return fail();
    ((volatile unsigned char *)page)[0] = 0xc3;
    int result = mprotect(page, 4096, PROT_READ | PROT_EXEC) == 0 ? 0 : fail();
    munmap(page, 4096);
    return result;
}

int hostile_rwx_mapping(void) {
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return fail();
    munmap(page, 4096);
    return 0;
}

/* Allocates and touches up to `cap_mib` MiB; returns how many it got. */
int hostile_memory_bomb(int cap_mib) {
    int got = 0;
    for (; got < cap_mib; got++) {
        char *block = malloc(1 << 20);
        if (block == NULL) break;
        memset(block, 1, 1 << 20);
    }
    return got;
}

/* Spins for at most `cap_seconds` of wall time. */
int hostile_cpu_bomb(int cap_seconds) {
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    volatile uint64_t x = 1;
    do {
        for (int i = 0; i < 1000000; i++) x = x * 6364136223846793005ULL + 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < cap_seconds);
    return (int)(x & 1);
}

/* Duplicates standard error up to `cap` times; returns how many it got. */
int hostile_descriptor_bomb(int cap) {
    int got = 0;
    for (; got < cap; got++) {
        if (fcntl(2, F_DUPFD, 0) < 0) break;
    }
    return got;
}

/* Writes up to `cap_kib` KiB to `path`; returns how many KiB it wrote. */
int hostile_disk_bomb(const char *path, int cap_kib) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fail();
    char block[1024];
    memset(block, 'x', sizeof block);
    int got = 0;
    for (; got < cap_kib; got++) {
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block) break;
    }
    close(fd);
    return got;
}

/* Counts descriptors above standard error that this process holds (probing up to 1024). */
int hostile_inherited_descriptors(void) {
    int count = 0;
    for (int fd = 3; fd < 1024; fd++) {
        if (fcntl(fd, F_GETFD) != -1) count++;
    }
    return count;
}

int hostile_crash(int kind) {
    switch (kind) {
    case 0: { volatile int *p = (volatile int *)16; *p = 1; break; }
    case 1: abort();
    case 2: __builtin_trap();
    case 3: { volatile int divisor = kind - 3; volatile int quotient = 100 / divisor; return quotient; }
    case 4: _exit(42);
    default: break;
    }
    return 0;
}

/* Rewrites the request and reply arenas of the shared region (descriptor `region_fd`) with
 * changing bytes for 300 ms from a second thread, so that the host copies a reply while it
 * changes under it. Without threads, returns the error of pthread_create. */
static unsigned char *scribble_at;
static size_t scribble_len;

static void *scribble(void *unused) {
    (void)unused;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned char value = 0;
    do {
        for (size_t i = 4096; i < scribble_len; i += 64) scribble_at[i] = value++;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < 300);
    return NULL;
}

int hostile_scribble_region(int region_fd) {
    struct stat st;
    if (fstat(region_fd, &st) != 0) return fail();
    scribble_len = (size_t)st.st_size;
    void *region = mmap(NULL, scribble_len, PROT_READ | PROT_WRITE, MAP_SHARED, region_fd, 0);
    if (region == MAP_FAILED) return fail();
    scribble_at = region;
    pthread_t thread;
    int error = pthread_create(&thread, NULL, scribble, NULL);
    if (error != 0) return -error;
    pthread_detach(thread);
    return 0;
}

/* Opens a path that a second thread keeps rewriting between `allowed` and `secret` (both at
 * most 255 bytes), up to `rounds` times, reading each file opened, and stops at the first read
 * that saw anything but the allowed file's first byte, copied into `out`. Returns how many
 * reads saw the allowed file: the race the filesystem broker must win. Without threads,
 * returns the pthread error. */
static char race_path[256];
static char race_allowed[256];
static char race_secret[256];
static volatile int race_stop;
static volatile int race_started;

static void *race_flip(void *unused) {
    (void)unused;
    race_started = 1;
    while (!race_stop) {
        memcpy(race_path, race_secret, sizeof race_path);
        memcpy(race_path, race_allowed, sizeof race_path);
    }
    return NULL;
}

int hostile_open_race(const char *allowed, const char *secret, int rounds, char *out, int cap) {
    if (strlen(allowed) >= sizeof race_path || strlen(secret) >= sizeof race_path) return -EINVAL;
    memset(race_allowed, 0, sizeof race_allowed);
    memset(race_secret, 0, sizeof race_secret);
    strcpy(race_allowed, allowed);
    strcpy(race_secret, secret);
    memcpy(race_path, race_allowed, sizeof race_path);
    char expected = 0;
    int fd = open(allowed, O_RDONLY);
    if (fd < 0) return fail();
    if (read(fd, &expected, 1) != 1) expected = 0;
    close(fd);
    race_stop = 0;
    race_started = 0;
    pthread_t thread;
    int error = pthread_create(&thread, NULL, race_flip, NULL);
    if (error != 0) return -error;
    /* The flipper must be running before the first open (bounded wait). */
    for (long spins = 0; !race_started && spins < 100000000L; spins++) sched_yield();
    int allowed_reads = 0;
    int leaked = 0;
    for (int i = 0; i < rounds && !leaked; i++) {
        fd = open(race_path, O_RDONLY);
        if (fd < 0) continue;
        char buffer[256];
        ssize_t got = read(fd, buffer, sizeof buffer);
        close(fd);
        if (got <= 0) continue;
        if (buffer[0] == expected) {
            allowed_reads++;
        } else if (!leaked) {
            leaked = 1;
            memcpy(out, buffer, (size_t)(got < cap ? got : cap));
        }
    }
    race_stop = 1;
    pthread_join(thread, NULL);
    return allowed_reads;
}
