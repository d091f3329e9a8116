//! A deliberately malicious C library (`c/attacks.c`) behind `#[isolated]` functions: each one
//! tries one thing a compromised dependency would do to the process that loaded it —
//! exfiltrate over the network, run programs, read secrets, attack the host process or the
//! kernel, exhaust resources, crash. The integration tests `escape`, `kernel` and `filesystem`
//! run each attack under `Policy::pure_compute` (and friends) and under
//! `Policy::unconfined_dangerous`, and checks
//! that confinement contains and reports each one that would otherwise succeed.
//!
//! Every function returns what the C code returned: non-negative when the attack went
//! through, `-errno` when the kernel refused it.
//!
//! ```no_run
//! use ffiguard_sandbox::{Policy, Sandbox};
//!
//! ffiguard_sandbox::init();
//! let sandbox = Sandbox::builder().policy(Policy::pure_compute()).build()?;
//! let result = hostile::fork_child::call(&sandbox)?.trust_unverified("an errno to compare");
//! assert!(result < 0, "fork must be refused");
//! assert!(sandbox.blocked_calls().iter().any(|call| call.syscall == "clone"));
//! # Ok::<(), ffiguard_sandbox::SandboxError>(())
//! ```

use std::ffi::{CString, c_char, c_int};

use ffiguard_sandbox::{ByteBuf, isolated};

mod ffi {
    use std::ffi::{c_char, c_int};

    unsafe extern "C" {
        pub(crate) fn hostile_tcp_exfil(port: u16) -> c_int;
        pub(crate) fn hostile_udp_exfil(port: u16) -> c_int;
        pub(crate) fn hostile_unix_exfil(path: *const c_char) -> c_int;
        pub(crate) fn hostile_exec(marker: *const c_char) -> c_int;
        pub(crate) fn hostile_system(marker: *const c_char) -> c_int;
        pub(crate) fn hostile_spawn(marker: *const c_char) -> c_int;
        pub(crate) fn hostile_fork() -> c_int;
        pub(crate) fn hostile_vfork() -> c_int;
        pub(crate) fn hostile_read_file(path: *const c_char, out: *mut c_char, cap: c_int)
        -> c_int;
        pub(crate) fn hostile_read_proc_mem(
            pid: c_int,
            address: u64,
            out: *mut c_char,
            cap: c_int,
        ) -> c_int;
        pub(crate) fn hostile_process_vm_read(
            pid: c_int,
            address: u64,
            out: *mut c_char,
            cap: c_int,
        ) -> c_int;
        pub(crate) fn hostile_ptrace(pid: c_int) -> c_int;
        pub(crate) fn hostile_signal(pid: c_int, sig: c_int) -> c_int;
        pub(crate) fn hostile_write_file(path: *const c_char) -> c_int;
        pub(crate) fn hostile_symlink(target: *const c_char, link: *const c_char) -> c_int;
        pub(crate) fn hostile_io_uring() -> c_int;
        pub(crate) fn hostile_bpf() -> c_int;
        pub(crate) fn hostile_userfaultfd() -> c_int;
        pub(crate) fn hostile_perf_event_open() -> c_int;
        pub(crate) fn hostile_keyctl() -> c_int;
        pub(crate) fn hostile_mount(target: *const c_char) -> c_int;
        pub(crate) fn hostile_unshare() -> c_int;
        pub(crate) fn hostile_personality() -> c_int;
        pub(crate) fn hostile_exec_memory() -> c_int;
        pub(crate) fn hostile_rwx_mapping() -> c_int;
        pub(crate) fn hostile_memory_bomb(cap_mib: c_int) -> c_int;
        pub(crate) fn hostile_cpu_bomb(cap_seconds: c_int) -> c_int;
        pub(crate) fn hostile_descriptor_bomb(cap: c_int) -> c_int;
        pub(crate) fn hostile_disk_bomb(path: *const c_char, cap_kib: c_int) -> c_int;
        pub(crate) fn hostile_inherited_descriptors() -> c_int;
        pub(crate) fn hostile_crash(kind: c_int) -> c_int;
        pub(crate) fn hostile_scribble_region(region_fd: c_int) -> c_int;
        pub(crate) fn hostile_open_race(
            allowed: *const c_char,
            secret: *const c_char,
            rounds: c_int,
            out: *mut c_char,
            cap: c_int,
        ) -> c_int;
    }
}

/// A C string of `text`, or `-EINVAL` for text with a NUL byte.
pub(crate) fn c_string(text: &str) -> Result<CString, i32> {
    CString::new(text).map_err(|_| -22)
}

/// Runs `attack` with `text` as a C string.
pub(crate) fn with_path(text: &str, attack: impl FnOnce(*const c_char) -> c_int) -> i32 {
    match c_string(text) {
        Ok(path) => attack(path.as_ptr()),
        Err(errno) => errno,
    }
}

/// Runs a read-style attack into a buffer of `cap` bytes; returns the C result and the bytes.
pub(crate) fn with_buffer(
    cap: u32,
    attack: impl FnOnce(*mut c_char, c_int) -> c_int,
) -> (i32, ByteBuf) {
    let cap = cap.min(1 << 20);
    let mut buffer = vec![0u8; usize::try_from(cap).unwrap_or(0)];
    let result = attack(
        buffer.as_mut_ptr().cast(),
        c_int::try_from(cap).unwrap_or(0),
    );
    buffer.truncate(usize::try_from(result).unwrap_or(0));
    (result, ByteBuf::from(buffer))
}

/// Connects to `127.0.0.1:port` over TCP and sends loot.
#[isolated]
pub fn tcp_exfil(port: u16) -> i32 {
    // SAFETY: the C function takes a port number and touches only its own locals.
    unsafe { ffi::hostile_tcp_exfil(port) }
}

/// Sends loot over UDP to `127.0.0.1:port`.
#[isolated]
pub fn udp_exfil(port: u16) -> i32 {
    // SAFETY: as for `tcp_exfil`.
    unsafe { ffi::hostile_udp_exfil(port) }
}

/// Connects to the Unix socket at `path` and sends loot.
#[isolated]
pub fn unix_exfil(path: String) -> i32 {
    // SAFETY: the pointer is a NUL-terminated string alive for the call; the C code reads it.
    with_path(&path, |path| unsafe { ffi::hostile_unix_exfil(path) })
}

/// `execve("/bin/sh", "-c", "touch marker")`.
#[isolated]
pub fn exec_shell(marker: String) -> i32 {
    // SAFETY: as for `unix_exfil`.
    with_path(&marker, |marker| unsafe { ffi::hostile_exec(marker) })
}

/// `system("touch marker")`.
#[isolated]
pub fn run_system(marker: String) -> i32 {
    // SAFETY: as for `unix_exfil`.
    with_path(&marker, |marker| unsafe { ffi::hostile_system(marker) })
}

/// `posix_spawn("/usr/bin/touch", marker)`.
#[isolated]
pub fn spawn_program(marker: String) -> i32 {
    // SAFETY: as for `unix_exfil`.
    with_path(&marker, |marker| unsafe { ffi::hostile_spawn(marker) })
}

/// `fork()`; the child exits at once.
#[isolated]
pub fn fork_child() -> i32 {
    // SAFETY: the C function forks a child that only calls `_exit`.
    unsafe { ffi::hostile_fork() }
}

/// `vfork()`; the child exits at once.
#[isolated]
pub fn vfork_child() -> i32 {
    // SAFETY: as for `fork_child`; the vfork child only calls `_exit`.
    unsafe { ffi::hostile_vfork() }
}

/// Reads up to `cap` bytes of the file at `path`.
#[isolated]
pub fn read_file(path: String, cap: u32) -> (i32, ByteBuf) {
    match c_string(&path) {
        // SAFETY: the path is NUL-terminated and alive; the buffer has `cap` writable bytes.
        Ok(path) => with_buffer(cap, |out, cap| unsafe {
            ffi::hostile_read_file(path.as_ptr(), out, cap)
        }),
        Err(errno) => (errno, ByteBuf::new()),
    }
}

/// Reads `cap` bytes of process `pid`'s memory at `address` through `/proc/<pid>/mem`.
#[isolated]
pub fn read_proc_mem(pid: i32, address: u64, cap: u32) -> (i32, ByteBuf) {
    // SAFETY: the buffer has `cap` writable bytes; the address is the other process's.
    with_buffer(cap, |out, cap| unsafe {
        ffi::hostile_read_proc_mem(pid, address, out, cap)
    })
}

/// Reads `cap` bytes of process `pid`'s memory at `address` with `process_vm_readv`.
#[isolated]
pub fn process_vm_read(pid: i32, address: u64, cap: u32) -> (i32, ByteBuf) {
    // SAFETY: as for `read_proc_mem`.
    with_buffer(cap, |out, cap| unsafe {
        ffi::hostile_process_vm_read(pid, address, out, cap)
    })
}

/// `ptrace(PTRACE_ATTACH, pid)`, detaching at once if it worked.
#[isolated]
pub fn ptrace_attach(pid: i32) -> i32 {
    // SAFETY: integers only.
    unsafe { ffi::hostile_ptrace(pid) }
}

/// `kill(pid, sig)`.
#[isolated]
pub fn signal(pid: i32, sig: i32) -> i32 {
    // SAFETY: integers only.
    unsafe { ffi::hostile_signal(pid, sig) }
}

/// Creates (or truncates) the file at `path` and writes loot into it.
#[isolated]
pub fn write_file(path: String) -> i32 {
    // SAFETY: as for `unix_exfil`.
    with_path(&path, |path| unsafe { ffi::hostile_write_file(path) })
}

/// `symlink(target, link)`.
#[isolated]
pub fn make_symlink(target: String, link: String) -> i32 {
    match (c_string(&target), c_string(&link)) {
        // SAFETY: both strings are NUL-terminated and alive for the call.
        (Ok(target), Ok(link)) => unsafe { ffi::hostile_symlink(target.as_ptr(), link.as_ptr()) },
        _ => -22,
    }
}

/// A kernel surface, chosen by name.
#[isolated]
pub fn kernel_surface(name: String, target: String) -> i32 {
    let attack: unsafe extern "C" fn() -> c_int = match name.as_str() {
        "io_uring_setup" => ffi::hostile_io_uring,
        "bpf" => ffi::hostile_bpf,
        "userfaultfd" => ffi::hostile_userfaultfd,
        "perf_event_open" => ffi::hostile_perf_event_open,
        "keyctl" => ffi::hostile_keyctl,
        "unshare" => ffi::hostile_unshare,
        "personality" => ffi::hostile_personality,
        "mprotect" => ffi::hostile_exec_memory,
        "mmap" => ffi::hostile_rwx_mapping,
        // SAFETY: the target is a live NUL-terminated string for the call.
        "mount" => return with_path(&target, |target| unsafe { ffi::hostile_mount(target) }),
        _ => return -22,
    };
    // SAFETY: each of these C functions takes no argument and touches only its own locals and
    // the kernel object it creates and closes.
    unsafe { attack() }
}

/// Allocates and touches up to `cap_mib` MiB; returns how many it got.
#[isolated]
pub fn memory_bomb(cap_mib: i32) -> i32 {
    // SAFETY: integers only; the C code frees nothing on purpose (the worker is disposable).
    unsafe { ffi::hostile_memory_bomb(cap_mib) }
}

/// Spins for up to `cap_seconds` of wall time.
#[isolated]
pub fn cpu_bomb(cap_seconds: i32) -> i32 {
    // SAFETY: integers only.
    unsafe { ffi::hostile_cpu_bomb(cap_seconds) }
}

/// Duplicates descriptors up to `cap` times; returns how many it got.
#[isolated]
pub fn descriptor_bomb(cap: i32) -> i32 {
    // SAFETY: integers only.
    unsafe { ffi::hostile_descriptor_bomb(cap) }
}

/// Writes up to `cap_kib` KiB into `path`; returns how many KiB it wrote.
#[isolated]
pub fn disk_bomb(path: String, cap_kib: i32) -> i32 {
    // SAFETY: as for `unix_exfil`.
    with_path(&path, |path| unsafe {
        ffi::hostile_disk_bomb(path, cap_kib)
    })
}

/// How many descriptors above standard error the worker holds.
#[isolated]
pub fn inherited_descriptors() -> i32 {
    // SAFETY: the C function only probes descriptor numbers with fcntl(F_GETFD).
    unsafe { ffi::hostile_inherited_descriptors() }
}

/// Crashes: 0 segfault, 1 abort, 2 illegal instruction, 3 division by zero, 4 `_exit(42)`.
#[isolated]
pub fn crash(kind: i32) -> i32 {
    // SAFETY: deliberately violated for kinds 0–3: crashing the worker is the test.
    unsafe { ffi::hostile_crash(kind) }
}

/// Rewrites the shared region's arenas from a second thread for 300 ms while the host reads
/// this call's reply. `region_fd` is the worker's descriptor of the region (3).
#[isolated]
pub fn scribble_region(region_fd: i32) -> i32 {
    // SAFETY: the C code maps the descriptor itself and writes only into that new mapping; what
    // it corrupts is the host protocol, which is the attack.
    unsafe { ffi::hostile_scribble_region(region_fd) }
}

/// Opens a path that a second thread keeps switching between `allowed` and `secret`, up to
/// `rounds` times (at most 100,000), reading each file opened, until a read sees anything but
/// the allowed file: the time-of-check race against a host that checks the path and then lets
/// the kernel read it again. Returns how many reads saw the allowed file, and the read that saw
/// something else (empty if none).
#[isolated]
pub fn open_race(allowed: String, secret: String, rounds: u32) -> (i32, ByteBuf) {
    let (allowed, secret) = match (c_string(&allowed), c_string(&secret)) {
        (Ok(allowed), Ok(secret)) => (allowed, secret),
        (Err(errno), _) | (_, Err(errno)) => return (errno, ByteBuf::new()),
    };
    let mut leaked = vec![0u8; 256];
    let rounds = c_int::try_from(rounds.min(100_000)).unwrap_or(0);
    // SAFETY: both paths are NUL-terminated and alive; `leaked` has 256 writable bytes; the C
    // function joins its thread before returning, so nothing touches the buffers afterwards.
    let result = unsafe {
        ffi::hostile_open_race(
            allowed.as_ptr(),
            secret.as_ptr(),
            rounds,
            leaked.as_mut_ptr().cast(),
            256,
        )
    };
    let end = leaked.iter().position(|byte| *byte == 0).unwrap_or(256);
    leaked.truncate(end);
    (result, ByteBuf::from(leaked))
}

/// An innocent call: the host checks with it that a fresh worker serves after an attack.
#[isolated]
pub fn ping(value: u32) -> u32 {
    value.wrapping_add(1)
}

pub mod lifecycle;
pub mod policy_attacks;
