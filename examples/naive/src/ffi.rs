//! Raw declarations for libkv, transcribed by hand from `kv.h`.

use libc::{c_char, c_int, c_long, c_void, size_t};

/// `struct kv_options` in kv.h.
pub struct KvOptions {
    pub cache_bytes: size_t,
    pub sync_writes: bool,
    pub name: String,
}

#[repr(C)]
pub struct KvStat {
    pub entries: c_long,
    pub bytes: i64,
}

pub type KvLogFn = extern "C" fn(level: c_int, msg: *const c_char, user: *mut c_void);

extern "C" {
    pub fn kv_open(path: *const c_char, opts: *const KvOptions) -> *mut c_void;
    pub fn kv_close(db: *mut c_void) -> c_int;
    pub fn kv_put(db: *mut c_void, key: *const c_char, val: *const u8, len: c_int) -> c_int;
    pub fn kv_get(db: *mut c_void, key: *const c_char, len_out: *mut size_t) -> *mut u8;
    pub fn kv_last_error(db: *mut c_void) -> *const c_char;
    pub fn kv_stat(db: *mut c_void, out: *mut KvStat) -> c_int;
    pub fn kv_count_prefix(db: *mut c_void, prefix: *const c_char) -> i64;
    pub fn kv_set_logger(db: *mut c_void, cb: KvLogFn, user: *mut c_void);
    pub fn kv_logf(db: *mut c_void, fmt: *const c_char, ...);
    pub fn kv_dup_value(db: *mut c_void, key: *const c_char) -> *mut c_char;
    pub fn kv_set_flag(db: *mut c_void, on: bool) -> c_int;
}
