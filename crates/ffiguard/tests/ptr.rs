//! Pointer validation against real kernel mappings and a real C library that returns bogus
//! pointers: every hostile case must come back as a `PtrError`, never as `SIGSEGV`.
//!
//! The C fixture is compiled at test time with the system C compiler (`$CC`, default `cc`)
//! and loaded with `dlopen`.

#![cfg(target_os = "linux")]

use ffiguard::cstr::{self, CStrError};
use ffiguard::ptr::{self, Probe, PtrError};

/// Pages mapped for one test and unmapped when it ends.
struct Mapping {
    base: *mut u8,
    len: usize,
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let raw = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(raw).expect("page size")
}

impl Mapping {
    fn new(pages: usize) -> Self {
        let len = pages * page_size();
        // SAFETY: an anonymous private mapping at an address the kernel chooses; no existing
        // memory is affected.
        let base = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(base, libc::MAP_FAILED, "mmap");
        Mapping {
            base: base.cast(),
            len,
        }
    }

    fn page(&self, index: usize) -> *mut u8 {
        self.base.wrapping_add(index * page_size())
    }

    fn protect(&self, index: usize, prot: libc::c_int) {
        // SAFETY: the page lies inside this mapping, which only this test uses.
        let rc = unsafe { libc::mprotect(self.page(index).cast(), page_size(), prot) };
        assert_eq!(rc, 0, "mprotect");
    }

    fn unmap(&self, index: usize) {
        // SAFETY: the page lies inside this mapping, which only this test uses; nothing
        // holds a reference into it.
        let rc = unsafe { libc::munmap(self.page(index).cast(), page_size()) };
        assert_eq!(rc, 0, "munmap");
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the whole range was mapped by Mapping::new; unmapping pages already
        // unmapped is allowed.
        unsafe { libc::munmap(self.base.cast(), self.len) };
    }
}

/// Covers the probe's EFAULT handling: a page this test mapped and unmapped again must read
/// as unreadable (with the probe removed, `ref_from_c` would return a reference into an
/// unmapped page and the comparison would fault).
#[test]
fn unmapped_page_is_an_error() {
    let map = Mapping::new(2);
    map.unmap(1);
    let gone = map.page(1);
    assert_eq!(
        ptr::probe_readable(gone, 1),
        Err(PtrError::Unreadable {
            addr: gone.addr(),
            len: 1,
            fault_addr: gone.addr(),
        })
    );
    // SAFETY: the probe refuses the unmapped page before anything reads it.
    let r = unsafe { ptr::ref_from_c(gone.cast::<u64>(), Probe::Readable) };
    assert!(matches!(r, Err(PtrError::Unreadable { .. })), "{r:?}");
}

/// Covers the per-page walk: a range that starts readable and runs into an unmapped page
/// reports the first unreadable page, not success.
#[test]
fn range_running_off_its_mapping_reports_the_first_bad_page() {
    let map = Mapping::new(3);
    map.unmap(2);
    let start = map.page(1).wrapping_add(page_size() - 16);
    // SAFETY: the probe refuses the range before anything reads it.
    let r = unsafe { ptr::slice_from_c(start.cast_const(), 32, Probe::Readable) };
    assert_eq!(
        r,
        Err(PtrError::Unreadable {
            addr: start.addr(),
            len: 32,
            fault_addr: map.page(2).addr(),
        })
    );
    // The readable part alone passes.
    // SAFETY: 16 bytes at the end of a mapped, zero-filled page this test owns.
    let ok = unsafe { ptr::slice_from_c(start.cast_const(), 16, Probe::Readable) };
    assert_eq!(ok, Ok(&[0_u8; 16][..]));
}

/// Covers readability (not just presence): a mapped `PROT_NONE` page is unreadable.
#[test]
fn prot_none_page_is_an_error() {
    let map = Mapping::new(2);
    map.protect(1, libc::PROT_NONE);
    assert!(matches!(
        ptr::probe_readable(map.page(1), 8),
        Err(PtrError::Unreadable { .. })
    ));
    // Many pages, the bad one last: exercises batching across system calls.
    let big = Mapping::new(ptr::PAGES_PER_CALL * 2 + 3);
    let last = ptr::PAGES_PER_CALL * 2 + 2;
    big.protect(last, libc::PROT_NONE);
    let r = ptr::probe_readable(big.base, big.len);
    assert_eq!(
        r,
        Err(PtrError::Unreadable {
            addr: big.base.addr(),
            len: big.len,
            fault_addr: big.page(last).addr(),
        })
    );
    assert_eq!(ptr::probe_readable(big.base, last * page_size()), Ok(()));
}

/// Covers alignment: a pointer one byte into a readable buffer is misaligned for `u32`.
#[test]
fn misaligned_pointers_into_readable_memory_are_errors() {
    let words = [0_u64; 4];
    let base = words.as_ptr().cast::<u8>();
    for offset in 1..4 {
        let p = base.wrapping_add(offset).cast::<u32>();
        // SAFETY: refused by the alignment check before anything reads it.
        let r = unsafe { ptr::slice_from_c(p, 2, Probe::Readable) };
        assert!(
            matches!(r, Err(PtrError::Misaligned { align: 4, .. })),
            "{r:?}"
        );
    }
}

/// Covers the kernel-half and non-canonical checks with addresses the probe would also
/// refuse: the address checks answer first, without a system call.
#[cfg(target_arch = "x86_64")]
#[test]
fn kernel_and_non_canonical_addresses_are_errors() {
    for addr in [
        0xffff_ffff_8100_0000_usize,
        0x0000_8000_0000_0000,
        0xdead_beef_dead_beef,
    ] {
        let p = core::ptr::without_provenance::<u8>(addr);
        // SAFETY: refused by the address checks before anything reads it.
        let r = unsafe { ptr::slice_from_c(p, 1, Probe::Skip) };
        assert!(
            matches!(r, Err(PtrError::OutsideUserSpace { .. })),
            "{addr:#x}: {r:?}"
        );
    }
}

/// Covers the length checks: null with a length, and lengths whose byte size overflows.
#[test]
fn hostile_lengths_are_errors() {
    let words = [0_u64; 2];
    // SAFETY: each call is refused before anything reads the pointer.
    unsafe {
        assert_eq!(
            ptr::slice_from_c::<u64>(core::ptr::null(), 1, Probe::Skip),
            Err(PtrError::NullWithLength { len: 1 })
        );
    }
    for len in [
        usize::MAX,
        usize::MAX / 8 + 1,
        (isize::MAX as usize) / 8 + 1,
    ] {
        // SAFETY: refused by the length check before anything reads the pointer.
        let r = unsafe { ptr::slice_from_c(words.as_ptr(), len, Probe::Skip) };
        assert_eq!(r, Err(PtrError::TooLong { len, elem_size: 8 }), "{len}");
    }
    // null + 0 is the empty slice C means by it.
    // SAFETY: a zero length reads nothing.
    let empty = unsafe { ptr::slice_from_c::<u64>(core::ptr::null(), 0, Probe::Readable) };
    assert_eq!(empty, Ok(&[][..]));
}

/// Installs, on the calling thread only, a seccomp filter that makes `process_vm_readv`
/// fail with `errno`: what a container runtime's default profile does.
fn deny_process_vm_readv(errno: u16) {
    #[cfg(target_arch = "x86_64")]
    const AUDIT_ARCH: u32 = 0xc000_003e;
    #[cfg(target_arch = "aarch64")]
    const AUDIT_ARCH: u32 = 0xc000_00b7;
    fn stmt(code: u32, k: u32) -> libc::sock_filter {
        jump(code, k, 0, 0)
    }
    fn jump(code: u32, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
        libc::sock_filter {
            code: u16::try_from(code).expect("BPF opcode"),
            jt,
            jf,
            k,
        }
    }
    let nr = u32::try_from(libc::SYS_process_vm_readv).expect("syscall number");
    let mut program = [
        stmt(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, 4), // seccomp_data.arch
        jump(
            libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K,
            AUDIT_ARCH,
            1,
            0,
        ),
        stmt(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_ALLOW),
        stmt(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, 0), // seccomp_data.nr
        jump(libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K, nr, 0, 1),
        stmt(
            libc::BPF_RET | libc::BPF_K,
            libc::SECCOMP_RET_ERRNO | u32::from(errno),
        ),
        stmt(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_ALLOW),
    ];
    let fprog = libc::sock_fprog {
        len: u16::try_from(program.len()).expect("program length"),
        filter: program.as_mut_ptr(),
    };
    // SAFETY: PR_SET_NO_NEW_PRIVS takes plain integer arguments and affects this thread only.
    let rc = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    assert_eq!(rc, 0, "PR_SET_NO_NEW_PRIVS");
    // SAFETY: fprog points at a valid BPF program that outlives the call (the kernel copies
    // it); without SECCOMP_FILTER_FLAG_TSYNC the filter applies to this thread only.
    let rc = unsafe {
        libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER,
            &fprog as *const libc::sock_fprog,
        )
    };
    assert_eq!(rc, 0, "PR_SET_SECCOMP");
}

/// Covers the "never a false readable" rule: with the probe's system call denied (ENOSYS or
/// EPERM), every probing API returns `ProbeUnavailable` with the errno, and nothing is read.
/// Treating a failed probe as success would make the probed reads below return `Ok`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[test]
fn denied_probe_is_a_distinct_error_never_readable() {
    for errno in [libc::ENOSYS, libc::EPERM] {
        let errno_u16 = u16::try_from(errno).expect("errno");
        // The filter dies with this thread: the rest of the test binary is unaffected.
        std::thread::spawn(move || {
            let data = [7_u8; 32];
            let text = c"still readable";
            assert_eq!(ptr::probe_available(), Ok(()));
            deny_process_vm_readv(errno_u16);
            let unavailable = PtrError::ProbeUnavailable { errno };
            assert_eq!(ptr::probe_available(), Err(unavailable.clone()));
            assert_eq!(
                ptr::probe_readable(data.as_ptr(), 32),
                Err(unavailable.clone())
            );
            // SAFETY: `data` is live; the probe fails before anything reads it.
            let r = unsafe { ptr::slice_from_c(data.as_ptr(), 32, Probe::Readable) };
            assert_eq!(r, Err(unavailable.clone()));
            // SAFETY: `text` is live; the probe fails before anything reads it.
            let r = unsafe { cstr::read_ptr_probed(text.as_ptr(), 64) };
            assert_eq!(r, Err(CStrError::Pointer(unavailable)));
            // Address-only checks still work without the probe.
            // SAFETY: `data` is live, initialized and unchanging for the borrow.
            let r = unsafe { ptr::slice_from_c(data.as_ptr(), 32, Probe::Skip) };
            assert_eq!(r, Ok(&data[..]));
        })
        .join()
        .expect("probe thread");
    }
    // This thread was never filtered.
    assert_eq!(ptr::probe_available(), Ok(()));
}

#[path = "ptr/hostile_c.rs"]
mod hostile_c;
mod support;
