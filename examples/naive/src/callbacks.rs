//! Logging callbacks handed to libkv.

use crate::ffi;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

static mut LOG_LINES: usize = 0;
static mut LAST_LEVEL: c_int = 0;

extern "C" fn on_log(level: c_int, msg: *const c_char, _user: *mut c_void) {
    let text = unsafe { CStr::from_ptr(msg) }.to_str().unwrap();
    unsafe {
        LOG_LINES += 1;
        LAST_LEVEL = level;
    }
    if level > 3 {
        panic!("libkv reported a fatal error: {text}");
    }
    println!("[kv:{level}] {text}");
}

pub fn install_logger(db: &crate::Db, tag: String) {
    let user = Box::into_raw(Box::new(tag)) as *mut c_void;
    unsafe { ffi::kv_set_logger(db_raw(db), on_log, user) };
}

fn db_raw(db: &crate::Db) -> *mut c_void {
    // The wrapper keeps the handle private; this module is trusted to peek.
    unsafe { *(db as *const crate::Db as *const *mut c_void) }
}
