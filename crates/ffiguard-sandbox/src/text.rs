//! How the sandbox shows text a worker wrote (its memory, its standard error, its panic
//! messages): the rule is `ffiguard::untrusted`, shared with the in-process primitives, so a
//! C library's message and a worker's words are bounded and escaped alike.

pub(crate) use ffiguard::untrusted::{MAX_UNTRUSTED_TEXT as MAX_UNTRUSTED_BYTES, escape, sanitize};
