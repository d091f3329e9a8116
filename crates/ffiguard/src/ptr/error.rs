//! The error every pointer check in [`ptr`](super) returns.

/// A pointer from C that failed a check, with the address and the rule it broke.
///
/// Addresses are kept as integers: the error outlives the pointer and is never dereferenced.
///
/// ```
/// use ffiguard::ptr::{self, PtrError};
///
/// let bogus = 0xdead_beef_usize as *const u64;
/// assert!(matches!(ptr::check(bogus), Err(PtrError::Misaligned { addr: 0xdead_beef, align: 8, .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PtrError {
    /// The pointer is null where a value was expected.
    #[error("null pointer")]
    Null,
    /// The pointer is null but C reported a non-zero length for it.
    #[error("null pointer with length {len}")]
    NullWithLength {
        /// The element count C reported.
        len: usize,
    },
    /// The address is not a multiple of the target type's alignment.
    #[error("address {addr:#x} is not aligned to {align} bytes for `{type_name}`")]
    Misaligned {
        /// The address C returned.
        addr: usize,
        /// The alignment the type needs.
        align: usize,
        /// The Rust type the pointer was to be read as.
        type_name: &'static str,
    },
    /// The address is in the low range no process maps (the zero page and its neighbours):
    /// typically a null pointer plus a field offset, or a small integer returned as a pointer.
    #[error("address {addr:#x} is in the unmappable low range (below {limit:#x})")]
    LowAddress {
        /// The address C returned.
        addr: usize,
        /// The first address above the low range.
        limit: usize,
    },
    /// The address, or the end of the range starting at it, lies outside the user-space half
    /// of the address space for this target.
    #[error("range {addr:#x}+{len} is outside user space (which ends at {user_space_end:#x})")]
    OutsideUserSpace {
        /// The address C returned.
        addr: usize,
        /// The length in bytes of the range checked.
        len: usize,
        /// The first address past user space on this target.
        user_space_end: usize,
    },
    /// `len` elements of `elem_size` bytes exceed `isize::MAX` bytes, the most any Rust
    /// allocation or slice may span.
    #[error("{len} elements of {elem_size} bytes exceed isize::MAX bytes")]
    TooLong {
        /// The element count C reported.
        len: usize,
        /// The size of one element.
        elem_size: usize,
    },
    /// The probe found a byte of the range that is not mapped readable.
    #[error("address {fault_addr:#x} in range {addr:#x}+{len} is not mapped readable")]
    Unreadable {
        /// The start of the range probed.
        addr: usize,
        /// The length in bytes of the range probed.
        len: usize,
        /// The first address found unreadable (a page boundary or `addr` itself).
        fault_addr: usize,
    },
    /// The readability probe could not run here (e.g. `process_vm_readv` blocked by a seccomp
    /// filter, or an OS without it), so nothing is known about the range. Never treated as
    /// readable.
    #[error("readability probe unavailable: {}", std::io::Error::from_raw_os_error(*errno))]
    ProbeUnavailable {
        /// The OS error the probe got (`ENOSYS`, `EPERM`, …).
        errno: i32,
    },
}
