//! A real C library that returns bogus pointers, compiled at test time and loaded with
//! `dlopen`, and the wrapper-side checks that turn each of its bugs into an error.

use core::ffi::{c_char, c_void};
use std::ffi::CString;
use std::sync::OnceLock;

use ffiguard::cstr::{self, CStrError};
use ffiguard::ptr::{self, Probe, PtrError};

const HOSTILE_C: &str = r#"
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_SIZE 64

/* The article's bug: an "invalid" marker returned as a pointer. */
void *hostile_alloc(size_t size) {
    if (size > MAX_SIZE) return (void *)0xdeadbeef;
    static unsigned char pool[MAX_SIZE] __attribute__((aligned(16)));
    return pool;
}

/* A pointer one byte into an aligned buffer, returned as int*. */
const int *hostile_misaligned(void) {
    static int values[4] = {1, 2, 3, 4};
    return (const int *)((const char *)values + 1);
}

/* A buffer whose reported length runs past its mapping into a guard page. Built once:
 * the tests run on parallel threads, and an unsynchronised lazy init is a data race. */
static unsigned char *tail;
static pthread_once_t tail_once = PTHREAD_ONCE_INIT;

static void map_guarded_page(void) {
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    mprotect(p + page, page, PROT_NONE);
    memset(p, 'A', page);
    tail = p + page;
}

static unsigned char *guarded_page_end(void) {
    pthread_once(&tail_once, map_guarded_page);
    return tail;
}

const uint32_t *hostile_items(size_t *count) {
    unsigned char *end = guarded_page_end();
    *count = 64; /* only 4 items are mapped */
    return end ? (const uint32_t *)(end - 16) : NULL;
}

/* A string with no NUL before the end of its mapping. */
const char *hostile_unterminated(void) {
    unsigned char *end = guarded_page_end();
    return end ? (const char *)(end - 8) : NULL;
}
"#;

struct Hostile {
    alloc: unsafe extern "C" fn(usize) -> *mut c_void,
    misaligned: unsafe extern "C" fn() -> *const i32,
    items: unsafe extern "C" fn(*mut usize) -> *const u32,
    unterminated: unsafe extern "C" fn() -> *const c_char,
}

/// Looks up a function in a library loaded with `dlopen`.
///
/// # Safety
///
/// `handle` is a live library handle and `F` is a function-pointer type matching the C
/// definition of `name`.
unsafe fn symbol<F: Copy>(handle: *mut c_void, name: &core::ffi::CStr) -> F {
    assert_eq!(size_of::<F>(), size_of::<*mut c_void>());
    // SAFETY: handle is live (caller); name is NUL-terminated.
    let f = unsafe { libc::dlsym(handle, name.as_ptr()) };
    assert!(!f.is_null(), "dlsym {name:?}");
    // SAFETY: F is a function-pointer type of the same size as the symbol address, and
    // matches the C function's signature (caller).
    unsafe { core::mem::transmute_copy::<*mut c_void, F>(&f) }
}

fn hostile() -> &'static Hostile {
    static LIB: OnceLock<Hostile> = OnceLock::new();
    LIB.get_or_init(|| {
        let lib =
            crate::support::compile_c("libhostile", ".so", HOSTILE_C, &["-shared", "-fPIC", "-O1"]);
        let path = CString::new(lib.clone().into_os_string().into_encoded_bytes()).expect("path");
        // SAFETY: path is a NUL-terminated file name; the library has no initializers.
        let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        assert!(!handle.is_null(), "dlopen fixture");
        // The loaded library stays mapped; the files are not needed any more.
        let _ = std::fs::remove_file(&lib);
        // SAFETY: hostile_alloc is defined above as `void *(size_t)`.
        let alloc = unsafe { symbol(handle, c"hostile_alloc") };
        // SAFETY: hostile_misaligned is defined above as `const int *(void)`.
        let misaligned = unsafe { symbol(handle, c"hostile_misaligned") };
        // SAFETY: hostile_items is defined above as `const uint32_t *(size_t *)`.
        let items = unsafe { symbol(handle, c"hostile_items") };
        // SAFETY: hostile_unterminated is defined above as `const char *(void)`.
        let unterminated = unsafe { symbol(handle, c"hostile_unterminated") };
        Hostile {
            alloc,
            misaligned,
            items,
            unterminated,
        }
    })
}

/// The article's case end to end: C returns `0xdeadbeef` for an oversized request, and the
/// wrapper gets an error (misaligned as a `u64`, unreadable as bytes) instead of `SIGSEGV`.
#[test]
fn c_returning_deadbeef_is_an_error() {
    let lib = hostile();
    // SAFETY: hostile_alloc takes any size and returns without side effects.
    let good = unsafe { (lib.alloc)(16) };
    // SAFETY: hostile_alloc takes any size and returns without side effects.
    let bad = unsafe { (lib.alloc)(1000) };
    assert_eq!(bad.addr(), 0xdead_beef);
    // SAFETY: the pool is 64 static, zero-initialized bytes nothing writes to.
    let pool = unsafe { ptr::slice_from_c(good.cast::<u64>().cast_const(), 2, Probe::Readable) };
    assert_eq!(pool, Ok(&[0_u64, 0][..]));
    // SAFETY: refused (misaligned) before anything reads it.
    let as_words = unsafe { ptr::slice_from_c(bad.cast::<u64>().cast_const(), 2, Probe::Readable) };
    assert!(matches!(
        as_words,
        Err(PtrError::Misaligned {
            addr: 0xdead_beef,
            align: 8,
            ..
        })
    ));
    // SAFETY: refused (unreadable) by the probe before anything reads it.
    let as_bytes = unsafe { ptr::slice_from_c(bad.cast::<u8>().cast_const(), 16, Probe::Readable) };
    assert!(
        matches!(
            as_bytes,
            Err(PtrError::Unreadable {
                fault_addr: 0xdead_beef,
                ..
            })
        ),
        "{as_bytes:?}"
    );
}

/// C returns an `int *` one byte into its array: refused by the alignment check.
#[test]
fn c_returning_misaligned_int_is_an_error() {
    // SAFETY: hostile_misaligned has no preconditions.
    let p = unsafe { (hostile().misaligned)() };
    // SAFETY: refused before anything reads it.
    let r = unsafe { ptr::ref_from_c(p, Probe::Readable) };
    assert!(
        matches!(r, Err(PtrError::Misaligned { align: 4, .. })),
        "{r:?}"
    );
}

/// C reports 64 items where 4 are mapped: the probe finds the guard page.
#[test]
fn c_overstating_a_length_is_an_error() {
    let mut count = 0_usize;
    // SAFETY: `count` is a valid out-parameter for the call.
    let items = unsafe { (hostile().items)(&mut count) };
    assert_eq!(count, 64);
    // SAFETY: refused by the probe before anything reads it.
    let r = unsafe { ptr::slice_from_c(items, count, Probe::Readable) };
    assert!(matches!(r, Err(PtrError::Unreadable { .. })), "{r:?}");
    // The 4 items that do exist read fine.
    // SAFETY: 16 mapped bytes the fixture filled and never changes.
    let ok = unsafe { ptr::slice_from_c(items, 4, Probe::Readable) }.expect("mapped items");
    assert_eq!(ok, &[0x4141_4141; 4]);
}

/// C returns a string with no NUL before its mapping ends. A bound larger than the mapping
/// would fault with `read_ptr`; `read_ptr_probed` returns an error; a bound inside the
/// mapping is simply "not terminated".
#[test]
fn c_returning_an_unterminated_string_is_an_error() {
    // SAFETY: hostile_unterminated has no preconditions.
    let s = unsafe { (hostile().unterminated)() };
    // SAFETY: the probe stops the search at the guard page.
    let r = unsafe { cstr::read_ptr_probed(s, 4096) };
    assert!(
        matches!(r, Err(CStrError::Pointer(PtrError::Unreadable { .. }))),
        "{r:?}"
    );
    // SAFETY: the bound (8 bytes) lies inside the mapping.
    let r = unsafe { cstr::read_ptr(s, 7) };
    assert_eq!(r, Err(CStrError::NotTerminated { bound: 8 }));
    // SAFETY: as above.
    let r = unsafe { cstr::read_ptr_probed(s, 7) };
    assert_eq!(r, Err(CStrError::NotTerminated { bound: 8 }));
}
