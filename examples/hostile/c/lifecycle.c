/* Attacks on the way the host watches its worker, rather than on the world outside it. Every
 * function returns a non-negative value when the attack went through and -errno when the
 * kernel refused it. */
#include <errno.h>

/* getpid through the 32-bit syscall ABI (`int $0x80`, syscall number 20 there) from a 64-bit
 * process. A seccomp filter written for x86_64 sees a foreign architecture in the call's
 * `arch` field; the filter kills the process with SIGSYS before any user notification, so
 * the call cannot be reported the usual way. Without a filter the call succeeds and returns
 * the pid. On other architectures: -ENOSYS. */
long hostile_int80_getpid(void) {
#if defined(__x86_64__)
    long result;
    /* The kernel zeroes r8-r11 on return from the compat entry point. */
    __asm__ volatile("int $0x80" : "=a"(result) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
    return result;
#else
    return -ENOSYS;
#endif
}
