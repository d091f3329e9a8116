//! Checks that look only at the address: no memory is read, so they are safe functions.

use core::ptr::NonNull;

use super::PtrError;

/// The address-range rules for the target being compiled.
///
/// The defaults ([`AddrRules::TARGET`]) are conservative in one direction only: they reject
/// addresses no ordinary process can have mapped, never an address the kernel would hand out
/// without being asked specially.
///
/// ```
/// use ffiguard::ptr::AddrRules;
///
/// // A library known to map memory above the 47-bit boundary on a 5-level-paging x86_64
/// // machine (it must ask for that with an mmap hint) can be allowed explicitly:
/// let rules = AddrRules { user_space_end: 1 << 56, ..AddrRules::TARGET };
/// assert!(rules.check_range(1 << 50, 8).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddrRules {
    /// Addresses below this are rejected as [`PtrError::LowAddress`]. Linux refuses to map
    /// below `vm.mmap_min_addr` (64 KiB by default on most distributions), Windows reserves
    /// the first 64 KiB, macOS maps `__PAGEZERO` over the first 4 GiB of 64-bit processes.
    pub low_limit: usize,
    /// The first address past user space: x86_64 user space is the lower half of the 48-bit
    /// canonical range (`1 << 47`), aarch64 Linux user space is 48 bits (`1 << 48`). Every
    /// address is canonical on a 32-bit target.
    pub user_space_end: usize,
}

impl AddrRules {
    /// The rules for the target being compiled.
    ///
    /// | target | `low_limit` | `user_space_end` |
    /// | --- | --- | --- |
    /// | x86_64 | 64 KiB | `1 << 47` |
    /// | aarch64 | 64 KiB | `1 << 48` |
    /// | other 64-bit | 64 KiB | no bound |
    /// | 32-bit | 4 KiB | no bound |
    ///
    /// ```
    /// use ffiguard::ptr::AddrRules;
    ///
    /// assert!(AddrRules::TARGET.low_limit >= 4096);
    /// ```
    pub const TARGET: AddrRules = AddrRules {
        low_limit: LOW_LIMIT,
        user_space_end: USER_SPACE_END,
    };

    /// Checks an address and a length in bytes against these rules: not in the low range,
    /// and the whole range `[addr, addr + len)` inside user space. A null address is
    /// [`PtrError::Null`].
    ///
    /// ```
    /// use ffiguard::ptr::{AddrRules, PtrError};
    ///
    /// assert_eq!(AddrRules::TARGET.check_range(0, 1), Err(PtrError::Null));
    /// assert!(matches!(AddrRules::TARGET.check_range(16, 1), Err(PtrError::LowAddress { .. })));
    /// ```
    pub const fn check_range(&self, addr: usize, len: usize) -> Result<(), PtrError> {
        if addr == 0 {
            return Err(PtrError::Null);
        }
        if addr < self.low_limit {
            return Err(PtrError::LowAddress {
                addr,
                limit: self.low_limit,
            });
        }
        // The range end may equal user_space_end (it is exclusive) but must not wrap.
        let outside = match addr.checked_add(len) {
            Some(end) => end > self.user_space_end,
            None => true,
        };
        if outside || addr >= self.user_space_end {
            return Err(PtrError::OutsideUserSpace {
                addr,
                len,
                user_space_end: self.user_space_end,
            });
        }
        Ok(())
    }
}

#[cfg(target_pointer_width = "64")]
const LOW_LIMIT: usize = 64 * 1024;
#[cfg(not(target_pointer_width = "64"))]
const LOW_LIMIT: usize = 4096;

#[cfg(target_arch = "x86_64")]
const USER_SPACE_END: usize = 1 << 47;
#[cfg(target_arch = "aarch64")]
const USER_SPACE_END: usize = 1 << 48;
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const USER_SPACE_END: usize = usize::MAX;

/// Checks a pointer C returned without reading through it: null, low range, user-space
/// range and alignment for `T`. The common first step before anything reads it.
///
/// Cost: a handful of integer comparisons, no system call (see `BENCHMARKS.md`).
///
/// ```
/// use ffiguard::ptr::{self, PtrError};
///
/// let value = 7_u32;
/// assert!(ptr::check(&value as *const u32).is_ok());
/// assert_eq!(ptr::check(core::ptr::null::<u32>()), Err(PtrError::Null));
/// // The classic bogus return value: misaligned for u32 and far from any mapping.
/// assert!(ptr::check(0xdead_beef_usize as *const u32).is_err());
/// ```
#[inline]
pub fn check<T>(ptr: *const T) -> Result<NonNull<T>, PtrError> {
    check_range_for::<T>(ptr, size_of::<T>())?;
    NonNull::new(ptr.cast_mut()).ok_or(PtrError::Null)
}

/// [`check`] for a `*mut T`.
///
/// ```
/// use ffiguard::ptr;
///
/// let mut value = 7_u32;
/// assert!(ptr::check_mut(&mut value as *mut u32).is_ok());
/// ```
#[inline]
pub fn check_mut<T>(ptr: *mut T) -> Result<NonNull<T>, PtrError> {
    check(ptr.cast_const())
}

/// The address checks of [`check`] for a range of `len_bytes` starting at `ptr`.
pub(crate) fn check_range_for<T>(ptr: *const T, len_bytes: usize) -> Result<(), PtrError> {
    let addr = ptr.addr();
    AddrRules::TARGET.check_range(addr, len_bytes)?;
    let align = align_of::<T>();
    if !addr.is_multiple_of(align) {
        return Err(PtrError::Misaligned {
            addr,
            align,
            type_name: core::any::type_name::<T>(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<T>(addr: usize) -> *const T {
        core::ptr::without_provenance(addr)
    }

    #[test]
    fn deadbeef_is_refused_for_every_alignment() {
        // 0xdeadbeef is odd: misaligned for anything wider than a byte...
        assert!(matches!(
            check(at::<u32>(0xdead_beef)),
            Err(PtrError::Misaligned { .. })
        ));
        assert!(matches!(
            check(at::<u16>(0xdead_beef)),
            Err(PtrError::Misaligned { .. })
        ));
        // ...and as a byte pointer it passes the address checks: only the probe can tell.
        assert!(check(at::<u8>(0xdead_beef)).is_ok());
    }

    #[test]
    fn low_range_is_refused() {
        for addr in [1, 8, 0x10, 0xfff, LOW_LIMIT - 8] {
            assert_eq!(
                check(at::<u64>(addr)),
                Err(PtrError::LowAddress {
                    addr,
                    limit: LOW_LIMIT
                }),
                "{addr:#x}"
            );
        }
        assert!(check(at::<u64>(LOW_LIMIT)).is_ok());
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn non_canonical_and_kernel_addresses_are_refused() {
        for addr in [
            1_usize << 47,
            0xffff_8000_0000_0000,
            usize::MAX - 7,
            0x0000_8000_0000_0008,
        ] {
            assert!(
                matches!(
                    check(at::<u64>(addr)),
                    Err(PtrError::OutsideUserSpace { .. })
                ),
                "{addr:#x}"
            );
        }
        // The last word of user space is inside; one that straddles the end is not.
        assert!(check(at::<u64>((1 << 47) - 8)).is_ok());
        assert!(check(at::<u64>((1 << 47) - 4)).is_err());
    }

    #[test]
    fn range_end_may_not_wrap() {
        let rules = AddrRules {
            low_limit: 4096,
            user_space_end: usize::MAX,
        };
        assert!(rules.check_range(usize::MAX - 1, 1).is_ok());
        assert!(rules.check_range(usize::MAX - 1, 2).is_err());
        assert!(rules.check_range(usize::MAX, 0).is_err());
    }

    #[test]
    fn misalignment_names_the_type() {
        let err = check(at::<u64>(LOW_LIMIT + 4)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "address {:#x} is not aligned to 8 bytes for `u64`",
                LOW_LIMIT + 4
            )
        );
    }
}
