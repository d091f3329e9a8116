//! Run-time checks that the loaded C library is the one the wrapper was written for.
//!
//! Headers and the library actually loaded drift apart (a distribution upgrade, an
//! `LD_LIBRARY_PATH`, a vendored copy). A wrapper checks once, at start-up or when it opens
//! the library, and gets a typed error instead of a crash later:
//!
//! ```
//! use ffiguard::version::{self, Packing, Requirement, Version};
//!
//! # fn zlib_version() -> &'static core::ffi::CStr { c"1.3.1" }
//! # fn zlib_vernum() -> core::ffi::c_int { 0x1310 }
//! // A version string, read through a bounded reader (here already a &CStr)...
//! let found = Version::from_c_str(zlib_version())?;
//! Requirement::compatible(1, 2, 13).check("zlib", found)?;
//!
//! // ...or a packed integer, decoded with the library's layout.
//! let found = Version::from_packed(zlib_vernum(), Packing::ZLIB_VERNUM)?;
//! assert_eq!(found, Version::new(1, 3, 1));
//!
//! version::require_features("zlib", ["gzip"], &["gzip"])?;
//! # Ok::<(), ffiguard::version::VersionError>(())
//! ```

mod error;
mod number;
mod requirement;

pub use error::VersionError;
pub use number::{BitField, Packing, Version};
pub use requirement::{FlagRequirement, Requirement, require_features, require_flags};

#[cfg(test)]
mod tests;
