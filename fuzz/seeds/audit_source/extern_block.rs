use std::ffi::{c_char, c_int};
unsafe extern "C" {
    pub fn puts(s: *const c_char) -> c_int;
    pub fn free(p: *mut std::ffi::c_void);
}
