//! The dynamic checkers `cargo ffiguard sanitize` knows, and what each needs.

use crate::Error;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// One checker mode.
///
/// ```
/// use ffiguard_sanitize::Sanitizer;
/// let modes = Sanitizer::parse_selection("all")?;
/// assert!(modes.contains(&Sanitizer::Thread));
/// assert!(!modes.contains(&Sanitizer::Valgrind)); // the fallback is asked for by name
/// assert_eq!("memory".parse::<Sanitizer>()?, Sanitizer::Memory);
/// # Ok::<(), ffiguard_sanitize::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Sanitizer {
    /// AddressSanitizer (with LeakSanitizer at exit), Rust and C.
    Address,
    /// LeakSanitizer alone: cheaper than ASan, finds only leaks.
    Leak,
    /// ThreadSanitizer: data races; std is rebuilt instrumented (`-Zbuild-std`).
    Thread,
    /// MemorySanitizer: reads of uninitialised memory; everything, std included, must be
    /// instrumented, and C must be built by clang.
    Memory,
    /// UndefinedBehaviorSanitizer for the C side (rustc has no `-Zsanitizer=undefined`): C is
    /// built with `-fsanitize=address,undefined` and the handlers come with ASan's runtime.
    Undefined,
    /// Valgrind's memcheck on uninstrumented test binaries: the fallback where sanitizers
    /// cannot run (no matching clang, no `rust-src`), slower and less precise.
    Valgrind,
}

impl Sanitizer {
    /// The modes `all` stands for (every sanitizer; Valgrind is the fallback, asked by name).
    pub const ALL: [Sanitizer; 5] = [
        Sanitizer::Address,
        Sanitizer::Leak,
        Sanitizer::Undefined,
        Sanitizer::Thread,
        Sanitizer::Memory,
    ];

    /// The name used on the command line, in target directories and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Sanitizer::Address => "address",
            Sanitizer::Leak => "leak",
            Sanitizer::Thread => "thread",
            Sanitizer::Memory => "memory",
            Sanitizer::Undefined => "undefined",
            Sanitizer::Valgrind => "valgrind",
        }
    }

    /// Parses a mode name, or `all`, into the modes to run in order.
    pub fn parse_selection(text: &str) -> Result<Vec<Sanitizer>, Error> {
        if text == "all" {
            return Ok(Sanitizer::ALL.to_vec());
        }
        Ok(vec![text.parse()?])
    }

    /// The `-Zsanitizer=` value for rustc, if this mode instruments Rust.
    pub fn rustc_sanitizer(self) -> Option<&'static str> {
        match self {
            Sanitizer::Address | Sanitizer::Undefined => Some("address"),
            Sanitizer::Leak => Some("leak"),
            Sanitizer::Thread => Some("thread"),
            Sanitizer::Memory => Some("memory"),
            Sanitizer::Valgrind => None,
        }
    }

    /// Whether std must be rebuilt with the sanitizer: TSan misses races through
    /// uninstrumented std code and MSan reports false positives on every value std writes.
    pub fn needs_build_std(self) -> bool {
        matches!(self, Sanitizer::Thread | Sanitizer::Memory)
    }

    /// Whether only clang can instrument the C side (gcc has no MemorySanitizer).
    pub fn needs_clang(self) -> bool {
        matches!(self, Sanitizer::Memory | Sanitizer::Undefined)
    }

    /// The `-fsanitize` flags for C, matching what rustc instruments.
    pub fn c_flags(self) -> &'static [&'static str] {
        match self {
            Sanitizer::Address => &["-fsanitize=address"],
            Sanitizer::Leak => &["-fsanitize=leak"],
            Sanitizer::Thread => &["-fsanitize=thread"],
            Sanitizer::Memory => &["-fsanitize=memory", "-fsanitize-memory-track-origins"],
            Sanitizer::Undefined => &[
                "-fsanitize=address,undefined",
                // Every finding stops the test, so it cannot scroll by as a warning.
                "-fno-sanitize-recover=all",
            ],
            Sanitizer::Valgrind => &[],
        }
    }

    /// Runtime options (environment) that make a finding fail the run with a stack.
    pub fn runtime_options(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Sanitizer::Address => &[("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")],
            Sanitizer::Leak => &[("LSAN_OPTIONS", "exitcode=23")],
            Sanitizer::Thread => &[("TSAN_OPTIONS", "halt_on_error=1:second_deadlock_stack=1")],
            Sanitizer::Memory => &[("MSAN_OPTIONS", "halt_on_error=1:print_stats=0")],
            Sanitizer::Undefined => &[
                ("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1"),
                ("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1"),
            ],
            Sanitizer::Valgrind => &[],
        }
    }
}

impl fmt::Display for Sanitizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Sanitizer {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        [
            Sanitizer::Address,
            Sanitizer::Leak,
            Sanitizer::Thread,
            Sanitizer::Memory,
            Sanitizer::Undefined,
            Sanitizer::Valgrind,
        ]
        .into_iter()
        .find(|s| s.name() == text)
        .ok_or_else(|| Error::UnknownSanitizer(text.to_owned()))
    }
}
