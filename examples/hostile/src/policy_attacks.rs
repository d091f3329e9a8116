//! Attacks on what a user adds to a preset (`c/policy.c`): sockets of every family, `clone`
//! with namespace flags, capabilities, directory listing, `O_PATH`, opens relative to a
//! directory descriptor, `openat2` flags rewritten after the host read them, `readlink`. Used
//! by the `policy` and `policy_fuzz` integration tests.

use std::ffi::{c_char, c_int, c_ulong};

use ffiguard_sandbox::{ByteBuf, isolated};

use crate::{c_string, with_buffer, with_path};

mod ffi {
    use std::ffi::{c_char, c_int, c_ulong};

    unsafe extern "C" {
        pub(crate) fn hostile_socket(family: c_int, kind: c_int, protocol: c_int) -> c_int;
        pub(crate) fn hostile_socketpair_sendto(path: *const c_char) -> c_int;
        pub(crate) fn hostile_clone(flags: c_ulong) -> c_int;
        pub(crate) fn hostile_capabilities() -> c_int;
        pub(crate) fn hostile_list_dir(path: *const c_char) -> c_int;
        pub(crate) fn hostile_open_path(path: *const c_char) -> c_int;
        pub(crate) fn hostile_read_at(
            dir: *const c_char,
            relative: *const c_char,
            out: *mut c_char,
            cap: c_int,
        ) -> c_int;
        pub(crate) fn hostile_read_at_unknown_descriptor(relative: *const c_char) -> c_int;
        pub(crate) fn hostile_openat2_flag_race(
            dir: *const c_char,
            name: *const c_char,
            rounds: c_int,
        ) -> c_int;
        pub(crate) fn hostile_readlink(path: *const c_char, out: *mut c_char, cap: c_int) -> c_int;
        pub(crate) fn hostile_close(fd: c_int) -> c_int;
        pub(crate) fn hostile_dup2(from: c_int, to: c_int) -> c_int;
        pub(crate) fn hostile_blocked_call_from_thread() -> c_int;
    }
}

/// `socket(family, kind, protocol)`, closed again: 0 when it was created.
#[isolated]
pub fn open_socket(family: i32, kind: i32, protocol: i32) -> i32 {
    // SAFETY: integers only; the C code closes the socket it made.
    unsafe { ffi::hostile_socket(family, kind, protocol) }
}

/// A datagram socketpair, then `sendto` a Unix socket path on the host through it.
#[isolated]
pub fn socketpair_sendto(path: String) -> i32 {
    // SAFETY: the pointer is a NUL-terminated string alive for the call; the C code reads it.
    with_path(&path, |path| unsafe {
        ffi::hostile_socketpair_sendto(path)
    })
}

/// `clone(flags | SIGCHLD)`; the child exits at once. The child's pid, or `-errno`.
#[isolated]
pub fn clone_with(flags: u64) -> i32 {
    let flags = c_ulong::try_from(flags).unwrap_or(c_ulong::MAX);
    // SAFETY: the child made by the raw clone only calls `_exit`; the parent reaps it.
    unsafe { ffi::hostile_clone(flags) }
}

/// The worker's effective capabilities (low word; 0: none), or `-errno`.
#[isolated]
pub fn capabilities() -> i32 {
    // SAFETY: capget writes into the C function's own locals.
    unsafe { ffi::hostile_capabilities() }
}

/// Lists `path`: the number of entries, or `-errno`.
#[isolated]
pub fn list_dir(path: String) -> i32 {
    // SAFETY: as for `socketpair_sendto`.
    with_path(&path, |path| unsafe { ffi::hostile_list_dir(path) })
}

/// Opens `path` with `O_PATH`: 0 or `-errno`.
#[isolated]
pub fn open_path(path: String) -> i32 {
    // SAFETY: as for `socketpair_sendto`.
    with_path(&path, |path| unsafe { ffi::hostile_open_path(path) })
}

/// Opens the directory `dir`, then `relative` relative to it, and reads up to `cap` bytes.
#[isolated]
pub fn read_at(dir: String, relative: String, cap: u32) -> (i32, ByteBuf) {
    match (c_string(&dir), c_string(&relative)) {
        // SAFETY: both strings are NUL-terminated and alive; the buffer has `cap` bytes.
        (Ok(dir), Ok(relative)) => with_buffer(cap, |out, cap| unsafe {
            ffi::hostile_read_at(dir.as_ptr(), relative.as_ptr(), out, cap)
        }),
        _ => (-22, ByteBuf::new()),
    }
}

/// Opens `relative` relative to standard input, a descriptor the broker never handed out.
#[isolated]
pub fn read_at_unknown_descriptor(relative: String) -> i32 {
    // SAFETY: as for `socketpair_sendto`.
    with_path(&relative, |relative| unsafe {
        ffi::hostile_read_at_unknown_descriptor(relative)
    })
}

/// `openat2(dir, name, RESOLVE_BENEATH)` read-only `rounds` times while a second thread flips
/// the flags to `O_WRONLY|O_TRUNC`: how many opens came back writable.
#[isolated]
pub fn openat2_flag_race(dir: String, name: String, rounds: i32) -> i32 {
    match (c_string(&dir), c_string(&name)) {
        // SAFETY: both strings are NUL-terminated and alive for the call; the racing thread
        // writes only the C function's own `open_how` and is joined before it returns.
        (Ok(dir), Ok(name)) => unsafe {
            ffi::hostile_openat2_flag_race(dir.as_ptr(), name.as_ptr(), rounds)
        },
        _ => -22,
    }
}

/// `readlink(path)`: the result and the target.
#[isolated]
pub fn read_link(path: String, cap: u32) -> (i32, ByteBuf) {
    match c_string(&path) {
        // SAFETY: the path is NUL-terminated and alive; the buffer has `cap` writable bytes.
        Ok(path) => with_buffer(cap, |out: *mut c_char, cap: c_int| unsafe {
            ffi::hostile_readlink(path.as_ptr(), out, cap)
        }),
        Err(errno) => (errno, ByteBuf::new()),
    }
}

/// `close(fd)`: 0 or `-errno`.
#[isolated]
pub fn close_descriptor(fd: i32) -> i32 {
    // SAFETY: closing a descriptor number of the worker's own touches no memory; the Rust code
    // of the worker holds no owner of the numbers the tests close.
    unsafe { ffi::hostile_close(fd) }
}

/// `dup2(from, to)`: the new descriptor or `-errno`.
#[isolated]
pub fn duplicate_onto(from: i32, to: i32) -> i32 {
    // SAFETY: as for `close_descriptor`.
    unsafe { ffi::hostile_dup2(from, to) }
}

/// Makes a call outside the policy (`socket`) from a second thread.
#[isolated]
pub fn blocked_call_from_thread() -> i32 {
    // SAFETY: the C function starts one thread that makes a raw syscall and closes what it
    // got; it joins the thread before returning and touches no memory of ours.
    unsafe { ffi::hostile_blocked_call_from_thread() }
}
