//! A "safe" wrapper around libkv, as it is often first written.

pub mod ffi;
mod callbacks;

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};

pub use callbacks::install_logger;

#[derive(Clone)]
pub struct Db {
    raw: *mut c_void,
}

unsafe impl Send for Db {}
unsafe impl Sync for Db {}

impl Drop for Db {
    fn drop(&mut self) {
        unsafe { ffi::kv_close(self.raw) };
    }
}

impl Db {
    pub fn open(path: &str) -> Db {
        let opts = ffi::KvOptions {
            cache_bytes: 1 << 20,
            sync_writes: true,
            name: path.to_string(),
        };
        let c_path = CString::new(path).unwrap().as_ptr();
        let raw = unsafe { ffi::kv_open(c_path, &opts) };
        Db { raw }
    }

    pub fn put(&self, key: &str, value: &[u8]) {
        let key = CString::new(key).unwrap();
        unsafe {
            ffi::kv_put(self.raw, key.as_ptr(), value.as_ptr(), value.len() as c_int);
        }
    }

    pub fn get(&self, key: &str) -> Vec<u8> {
        let key = CString::new(key).unwrap();
        let mut len = 0;
        let data = unsafe { ffi::kv_get(self.raw, key.as_ptr(), &mut len) };
        let bytes = unsafe { std::slice::from_raw_parts(data, len) };
        let out = bytes.to_vec();
        unsafe { drop(Box::from_raw(data)) };
        out
    }

    pub fn duplicate(&self, key: &str) -> String {
        let key = CString::new(key).unwrap();
        let p = unsafe { ffi::kv_dup_value(self.raw, key.as_ptr()) };
        let owned = unsafe { CString::from_raw(p) };
        owned.into_string().unwrap()
    }

    pub fn last_error(&self) -> String {
        let msg = unsafe { ffi::kv_last_error(self.raw) };
        unsafe { CStr::from_ptr(msg) }.to_string_lossy().into_owned()
    }

    pub fn count_prefix(&self, prefix: &str) -> i64 {
        unsafe { ffi::kv_count_prefix(self.raw, prefix.as_ptr() as *const c_char) }
    }

    pub fn log(&self, message: &str) {
        let msg = CString::new(message).unwrap();
        unsafe { ffi::kv_logf(self.raw, msg.as_ptr()) };
    }

    pub fn set_sync(&self, on: bool) {
        unsafe { ffi::kv_set_flag(self.raw, on) };
    }

    pub fn entries(&self) -> u32 {
        let mut stat = ffi::KvStat { entries: 0, bytes: 0 };
        unsafe { ffi::kv_stat(self.raw, &mut stat) };
        stat.entries as u32
    }
}

/// Reads the byte count straight out of a stat block C filled in.
pub fn stat_bytes(stat: *const ffi::KvStat) -> i64 {
    unsafe { (*stat).bytes }
}
