//! Asking the kernel whether a range is mapped readable, without touching it.
//!
//! # Why `process_vm_readv` on our own pid
//!
//! The kernel copies from the remote range with its fault-tolerant user-copy routines and
//! reports an unreadable page as `EFAULT` (or a short count), never as `SIGSEGV`. The
//! alternatives are worse here:
//!
//! - `write(2)` of the range to a pipe also returns `EFAULT`, but needs two descriptors per
//!   process (or per call), a drain after every probe, and fails for ranges larger than the
//!   pipe buffer.
//! - `mincore(2)` says whether pages are *resident*, and reports `PROT_NONE` mappings as
//!   mapped: a guard page would pass.
//! - A `SIGSEGV` handler with `sigsetjmp` is process-global state a library cannot own, and
//!   jumping out of a fault in arbitrary code is not sound in Rust.
//!
//! One 1-byte remote iovec per page is enough: readability is a per-page property, so the
//! probe copies at most one byte per page into a small stack buffer, batched up to
//! [`PAGES_PER_CALL`] pages per system call.
//!
//! A process may always read its own memory this way (the ptrace access check passes for the
//! same thread group), but a seccomp filter can deny the system call (Docker's default
//! profile does, without `CAP_SYS_PTRACE`). That case is [`PtrError::ProbeUnavailable`],
//! never a false "readable".
//!
//! Memory the kernel will not pin for a copy (device mappings marked `VM_IO`/`VM_PFNMAP`)
//! reads as unreadable even if the CPU could load from it: the probe errs on the side of
//! refusing.
//!
//! The answer is a snapshot: another thread, or the library itself, can unmap the range right
//! after the probe. The probe turns a corrupted pointer into an error; it does not make a
//! pointer to memory that is being freed safe to use.

use super::PtrError;

/// How many pages one `process_vm_readv` call probes (the kernel accepts up to `IOV_MAX`,
/// 1024; 64 keeps the stack buffers small).
///
/// ```
/// // A 1 MiB buffer of 4 KiB pages takes ceil(256 / 64) = 4 system calls (5 if unaligned).
/// assert_eq!((1 << 20) / 4096 / ffiguard::ptr::PAGES_PER_CALL, 4);
/// ```
pub const PAGES_PER_CALL: usize = 64;

/// Whether a checked pointer is also probed for readability before it is read.
///
/// ```
/// use ffiguard::ptr::{self, Probe};
///
/// let data = [1_u16, 2];
/// for probe in [Probe::Skip, Probe::Readable] {
///     // SAFETY: `data` is live, initialized and unchanged for the borrow.
///     assert_eq!(unsafe { ptr::slice_from_c(data.as_ptr(), 2, probe) }, Ok(&data[..]));
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Probe {
    /// Address checks only (null, low range, user space, alignment): no system call.
    Skip,
    /// Address checks, then [`probe_readable`] over the whole range: one system call per
    /// [`PAGES_PER_CALL`] pages.
    Readable,
}

/// Tells whether every byte of `[ptr, ptr + len)` is mapped readable, without reading it in
/// this process and without faulting.
///
/// Returns `Ok(())` only when the kernel read one byte from every page of the range. An
/// unreadable page is [`PtrError::Unreadable`] with the first unreadable address; a probe that
/// cannot run is [`PtrError::ProbeUnavailable`]. Address checks are not repeated here: call
/// [`check`](super::check) first (the checked constructors do both).
///
/// This is a safe function: it never dereferences `ptr` in Rust, the kernel reads through it
/// with fault handling. An empty range is readable.
///
/// ```
/// use ffiguard::ptr::{self, PtrError};
///
/// let data = [1_u8; 100];
/// assert_eq!(ptr::probe_readable(data.as_ptr(), data.len()), Ok(()));
///
/// // The article's bogus pointer: an error, not SIGSEGV.
/// let bogus = 0xdead_beef_usize as *const u8;
/// match ptr::probe_readable(bogus, 4) {
///     Err(PtrError::Unreadable { fault_addr, .. }) => assert_eq!(fault_addr, 0xdead_beef),
///     Err(PtrError::ProbeUnavailable { .. }) => {} // e.g. under a seccomp filter
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn probe_readable<T>(ptr: *const T, len: usize) -> Result<(), PtrError> {
    imp::probe(ptr.addr(), len)
}

/// Whether [`probe_readable`] can run in this thread (it is not blocked by a seccomp filter
/// and the OS supports it). Probes a byte of its own stack.
///
/// ```
/// // Decide once at start-up whether to ask for probes, instead of failing later.
/// let probe = match ffiguard::ptr::probe_available() {
///     Ok(()) => ffiguard::ptr::Probe::Readable,
///     Err(_) => ffiguard::ptr::Probe::Skip,
/// };
/// # let _ = probe;
/// ```
pub fn probe_available() -> Result<(), PtrError> {
    let byte = 0_u8;
    probe_readable(&byte, 1)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod imp {
    use core::sync::atomic::{AtomicUsize, Ordering};

    use super::{PAGES_PER_CALL, PtrError};

    static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

    fn page_size() -> usize {
        match PAGE_SIZE.load(Ordering::Relaxed) {
            0 => {
                // SAFETY: sysconf has no preconditions; it only reads a system constant.
                let raw = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
                // A page is never smaller than 4 KiB on Linux; probing every 4 KiB is correct
                // (if slower) for any larger real page size.
                let size = usize::try_from(raw)
                    .ok()
                    .filter(|s| s.is_power_of_two())
                    .unwrap_or(4096);
                PAGE_SIZE.store(size, Ordering::Relaxed);
                size
            }
            size => size,
        }
    }

    pub(super) fn probe(addr: usize, len: usize) -> Result<(), PtrError> {
        if len == 0 {
            return Ok(());
        }
        let Some(last) = addr.checked_add(len - 1) else {
            return Err(PtrError::Unreadable {
                addr,
                len,
                fault_addr: addr,
            });
        };
        let page = page_size();
        let mut local = [0_u8; PAGES_PER_CALL];
        let local_iov = libc::iovec {
            iov_base: local.as_mut_ptr().cast(),
            iov_len: PAGES_PER_CALL,
        };
        let empty = libc::iovec {
            iov_base: core::ptr::null_mut(),
            iov_len: 0,
        };
        // The first byte of the range, then the first byte of every later page.
        let mut next = Some(addr);
        // SAFETY: getpid has no preconditions and cannot fail.
        let pid = unsafe { libc::getpid() };
        while let Some(start) = next {
            let mut remote = [empty; PAGES_PER_CALL];
            let mut count = 0;
            let mut cursor = Some(start);
            while let Some(at) = cursor {
                if count == PAGES_PER_CALL {
                    break;
                }
                remote[count] = libc::iovec {
                    iov_base: core::ptr::without_provenance_mut(at),
                    iov_len: 1,
                };
                count += 1;
                cursor = (at | (page - 1)).checked_add(1).filter(|n| *n <= last);
            }
            next = cursor;
            let local_one = libc::iovec {
                iov_len: count,
                ..local_iov
            };
            // `count` ≤ PAGES_PER_CALL = 64, far below c_ulong's range on every target.
            let riovcnt = libc::c_ulong::try_from(count).unwrap_or(0);
            // SAFETY: the local iovec describes `count` writable bytes of `local`, which lives
            // until the call returns; the remote iovecs are only addresses: the kernel reads
            // them with fault handling and reports unmapped or unreadable pages as EFAULT or a
            // short count, never by faulting this process. pid is our own.
            let copied =
                unsafe { libc::process_vm_readv(pid, &local_one, 1, remote.as_ptr(), riovcnt, 0) };
            match usize::try_from(copied) {
                Ok(n) if n == count => {}
                // A short count stops at the first iovec (page) it could not read.
                Ok(n) => {
                    return Err(PtrError::Unreadable {
                        addr,
                        len,
                        fault_addr: remote[n].iov_base.addr(),
                    });
                }
                Err(_) => {
                    let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
                    return Err(if errno == libc::EFAULT {
                        PtrError::Unreadable {
                            addr,
                            len,
                            fault_addr: start,
                        }
                    } else {
                        PtrError::ProbeUnavailable { errno }
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod imp {
    use super::PtrError;

    pub(super) fn probe(_addr: usize, len: usize) -> Result<(), PtrError> {
        if len == 0 {
            return Ok(());
        }
        Err(PtrError::ProbeUnavailable {
            errno: libc::ENOSYS,
        })
    }
}
