use std::ffi::CString;
pub fn say(s: &str) {
    let p = CString::new(s).unwrap().as_ptr();
    unsafe { puts(p) };
}
unsafe extern "C" { fn puts(s: *const i8) -> i32; }
