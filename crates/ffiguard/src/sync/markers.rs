//! Zero-sized fields that remove `Send` and/or `Sync` from a wrapper type.
//!
//! Stable Rust has no negative impls; a `PhantomData` of the right type is the tool, and a
//! named type says why it is there.

use std::cell::Cell;
use std::marker::PhantomData;

/// Makes the containing type `!Send` and `!Sync`: for handles tied to the creating thread.
///
/// ```compile_fail
/// fn needs_send<T: Send>() {}
/// struct Handle { _marker: ffiguard::sync::NotSendSync }
/// needs_send::<Handle>();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NotSendSync(PhantomData<*const ()>);

/// Makes the containing type `!Sync` while keeping it `Send`: for handles that may move between
/// threads but must not be used from two at once.
///
/// ```
/// fn needs_send<T: Send>() {}
/// struct Handle { _marker: ffiguard::sync::NotSync }
/// needs_send::<Handle>();
/// ```
///
/// ```compile_fail
/// fn needs_sync<T: Sync>() {}
/// struct Handle { _marker: ffiguard::sync::NotSync }
/// needs_sync::<Handle>();
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NotSync(PhantomData<Cell<()>>);

impl NotSendSync {
    /// The marker value.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl NotSync {
    /// The marker value.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}
