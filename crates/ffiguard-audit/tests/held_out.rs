//! False positives found on crates the rules were not tuned on (docs/audit-evaluation.md,
//! "Held-out crates"), reduced to the shape of the real code, with the true case next to each.
//! They need several files, so they live here rather than in one-file fixtures.

use ffiguard_audit::{Rule, check_sources, rules};

fn rule(id: &str) -> &'static dyn Rule {
    rules::all()
        .iter()
        .copied()
        .find(|r| r.meta().id == id)
        .expect("rule exists")
}

/// `(file, line)` of every finding of `id` on the given files.
fn found(id: &str, files: &[(&str, &str)]) -> Vec<(String, usize)> {
    check_sources(files, &[rule(id)])
        .into_iter()
        .map(|f| {
            assert_eq!(f.rule, id, "{}", f.message);
            (f.location.file, f.location.line)
        })
        .collect()
}

/// alsa 0.12.1 `src/error.rs`: a string helper in the private `mod error`, which `lib.rs`
/// re-exports only `Error` and `Result` from.
const ALSA_ERROR: &str = "use std::ffi::CStr;\nuse std::os::raw::c_char;\n\
pub struct Error;\npub type Result<T> = std::result::Result<T, Error>;\n\
pub fn from_const<'a>(s: *const c_char) -> Result<&'a str> {\n    \
if s.is_null() {\n        return Err(Error);\n    }\n    \
// SAFETY: callers pass what a getter just returned.\n    \
let cc = unsafe { CStr::from_ptr(s) };\n    std::str::from_utf8(cc.to_bytes()).map_err(|_| Error)\n}\n";

#[test]
fn ffi009_spares_pub_fns_of_private_modules_and_keeps_reexported_ones() {
    let private = [
        (
            "src/lib.rs",
            "mod error;\npub use crate::error::{Error, Result};\n",
        ),
        ("src/error.rs", ALSA_ERROR),
    ];
    assert_eq!(found("FFI009", &private), []);

    let flagged = vec![("src/error.rs".to_owned(), 5)];
    for lib in [
        "pub mod error;\n",
        "mod error;\npub use error::*;\n",
        "mod error;\npub use error::{from_const, Error};\n",
    ] {
        let files = [("src/lib.rs", lib), ("src/error.rs", ALSA_ERROR)];
        assert_eq!(found("FFI009", &files), flagged, "with lib.rs = {lib:?}");
    }
    // Without the `mod` declaration nothing says the module is private.
    assert_eq!(found("FFI009", &[("src/error.rs", ALSA_ERROR)]), flagged);

    // yara 0.32.0: `pub use self::error::*` in a private `internals` module lifts the items
    // only into `internals`, which lib.rs re-exports by name, not wholesale.
    let nested = |lib: &'static str| {
        [
            ("src/lib.rs", lib),
            (
                "src/internals/mod.rs",
                "mod error;\npub use self::error::*;\n",
            ),
            ("src/internals/error.rs", ALSA_ERROR),
        ]
    };
    assert_eq!(
        found(
            "FFI009",
            &nested("mod internals;\npub use internals::Error;\n")
        ),
        []
    );
    assert_eq!(
        found("FFI009", &nested("mod internals;\npub use internals::*;\n")),
        vec![("src/internals/error.rs".to_owned(), 5)]
    );
}

/// pcap 2.5.0 `Device` (plain data, derives `Clone`) and rusb 0.9.4 `Device<T>` (frees the
/// libusb device in `Drop`), audited together as one tree.
#[test]
fn ffi016_does_not_pair_a_clone_with_another_crates_drop_of_the_same_name() {
    let pcap = "#[derive(Debug, Clone)]\npub struct Device {\n    pub name: String,\n}\n";
    let rusb = "use std::os::raw::c_void;\nunsafe extern \"C\" {\n    \
fn libusb_unref_device(d: *mut c_void);\n}\npub struct Device<T> {\n    raw: *mut c_void,\n    \
context: T,\n}\nimpl<T> Drop for Device<T> {\n    fn drop(&mut self) {\n        \
// SAFETY: raw is owned.\n        unsafe { libusb_unref_device(self.raw) }\n    }\n}\n";
    let tree = [("pcap/src/device.rs", pcap), ("rusb/src/device.rs", rusb)];
    assert_eq!(found("FFI016", &tree), []);

    // A `Clone` on the type that owns the `Drop` is still reported, in any file.
    let owner = "#[derive(Clone)]\npub struct Device<T> {\n    raw: *mut std::os::raw::c_void,\n    \
context: T,\n}\n";
    let drop_only = rusb.replace(
        "pub struct Device<T> {\n    raw: *mut c_void,\n    context: T,\n}\n",
        "",
    );
    let apart = [
        ("src/device.rs", owner),
        ("src/drop.rs", drop_only.as_str()),
    ];
    assert_eq!(found("FFI016", &apart), [("src/device.rs".to_owned(), 1)]);
    let together = rusb.replace("pub struct", "#[derive(Clone)]\npub struct");
    let same_file = [
        ("pcap/src/device.rs", pcap),
        ("rusb/src/device.rs", together.as_str()),
    ];
    assert_eq!(
        found("FFI016", &same_file),
        [("rusb/src/device.rs".to_owned(), 5)]
    );
}

/// Set b, libpulse-binding 2.30.1 `src/callbacks.rs`: a `pub` method of a `pub(crate)` type.
#[test]
fn ffi009_spares_pub_methods_of_crate_private_types() {
    let callbacks = "use std::os::raw::c_void;\n\
pub(crate) struct MultiUseCallback<T: ?Sized> {\n    saved: Option<*mut Box<T>>,\n}\n\
impl<T: ?Sized> MultiUseCallback<T> {\n    \
pub fn get_callback<'a>(ptr: *mut c_void) -> &'a mut Box<T> {\n        \
assert!(!ptr.is_null());\n        // SAFETY: registered by this type.\n        \
unsafe { &mut *(ptr as *mut Box<T>) }\n    }\n}\n";
    let lib = "pub mod callbacks;\n";
    let files = [("src/lib.rs", lib), ("src/callbacks.rs", callbacks)];
    assert_eq!(found("FFI009", &files), []);

    let public = callbacks.replace("pub(crate) struct", "pub struct");
    let files = [("src/lib.rs", lib), ("src/callbacks.rs", public.as_str())];
    assert_eq!(
        found("FFI009", &files),
        [("src/callbacks.rs".to_owned(), 6)]
    );
}

/// Set b, libpulse-binding `src/context/subscribe.rs` and udev `src/monitor.rs` audited as one
/// tree: libpulse's `EventType` is a C integer imported under that name, udev's is a Rust enum.
#[test]
fn ffi001_judges_a_type_name_only_within_its_own_crate() {
    let pulse = "use std::os::raw::c_void;\n\
pub use capi::pa_subscription_event_type_t as EventType;\n\
extern \"C\" fn cb_proxy(et: EventType, index: u32, userdata: *mut c_void) {\n    \
let _ = (et, index, userdata);\n}\n";
    let udev = "pub enum EventType {\n    Add,\n    Remove,\n}\n";
    let tree = [
        ("libpulse-binding/src/context/subscribe.rs", pulse),
        ("udev/src/monitor.rs", udev),
    ];
    assert_eq!(found("FFI001", &tree), []);

    // Importing the enum of the callback's own crate instead, C would receive it.
    let uses_enum = pulse.replace(
        "pub use capi::pa_subscription_event_type_t as EventType;\n",
        "use crate::monitor::EventType;\n",
    );
    let own = [
        (
            "libpulse-binding/src/context/subscribe.rs",
            uses_enum.as_str(),
        ),
        ("libpulse-binding/src/monitor.rs", udev),
    ];
    assert_eq!(
        found("FFI001", &own),
        [("libpulse-binding/src/context/subscribe.rs".to_owned(), 3)]
    );
}

/// Set h, ash 0.38: `vk/definitions.rs` writes a bare `Instance` for the handle of its own
/// module; the crate's `Instance` wrapper (no `repr(C)`) lives in module `instance`, which the
/// file does not import. Importing it makes the wrapper the one crossing.
#[test]
fn ffi001_judges_a_bare_name_by_what_the_file_can_see() {
    let wrapper = "pub struct Instance {\n    handle: u64,\n    fns: Vec<usize>,\n}\n";
    let definitions = "use crate::vk::enums::*;\nuse core::ffi::*;\n\
pub type PFN_vkGetInstanceProcAddrLUNARG =\n    \
Option<unsafe extern \"system\" fn(instance: Instance, p_name: *const c_char) -> *const c_void>;\n";
    let tree = [
        ("ash/src/instance.rs", wrapper),
        ("ash/src/vk/definitions.rs", definitions),
    ];
    assert_eq!(found("FFI001", &tree), []);
    let imported = definitions.replace("use crate::vk::enums::*;", "use crate::instance::*;");
    let tree = [
        ("ash/src/instance.rs", wrapper),
        ("ash/src/vk/definitions.rs", imported.as_str()),
    ];
    assert_eq!(
        found("FFI001", &tree),
        [("ash/src/vk/definitions.rs".to_owned(), 4)]
    );
}
