//! Results that come back from a worker, untrusted until checked.

/// A value produced by code running in a sandbox worker, not yet checked by the caller.
///
/// The sandbox guarantees the value is well-formed for its type (it was decoded with bounds
/// from a private copy), but not that it is *true*: a compromised library can return a
/// plausible length that is wrong, an index out of range for the caller's table, a
/// "decompressed" buffer that is not what was compressed. RLBox's lesson from hardening Firefox
/// is that most sandbox escapes go through such data, trusted because it has the right type.
/// `Tainted` makes the check a visible step: [`verify`](Tainted::verify) runs the caller's
/// validator, and [`trust_unverified`](Tainted::trust_unverified) opts out with a reason that
/// is recorded.
///
/// There is no `Deref` and no `Into<T>`; the value is unusable until one of the two is called:
///
/// ```compile_fail
/// # use ffiguard_sandbox::Tainted;
/// fn use_len(tainted: Tainted<usize>) -> usize {
///     *tainted + 1 // error: a Tainted<usize> is not a usize
/// }
/// ```
///
/// ```
/// # use ffiguard_sandbox::Tainted;
/// # let tainted = Tainted::__new(17usize);
/// let len = tainted.verify(|len| if len <= 64 { Ok(len) } else { Err("length out of range") })?;
/// assert_eq!(len, 17);
/// # Ok::<(), &str>(())
/// ```
#[must_use = "a sandboxed result must be verified (or explicitly trusted) before use"]
pub struct Tainted<T>(T);

impl<T> Tainted<T> {
    #[doc(hidden)]
    pub fn __new(value: T) -> Self {
        Self(value)
    }

    /// Runs `check` on the value and returns what it returns: the verified value, converted as
    /// the validator sees fit, or the validator's error.
    ///
    /// # Errors
    /// Whatever `check` returns.
    pub fn verify<U, E>(self, check: impl FnOnce(T) -> Result<U, E>) -> Result<U, E> {
        check(self.0)
    }

    /// Returns the value without checking it. `reason` says why that is acceptable here (for
    /// example "bytes are only hashed, never interpreted"); it is recorded as a `tracing`
    /// event at debug level so the opt-outs can be audited.
    pub fn trust_unverified(self, reason: &str) -> T {
        tracing::debug!(target: "ffiguard_sandbox::tainted", reason, "sandboxed result trusted without verification");
        self.0
    }
}

impl<T> std::fmt::Debug for Tainted<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tainted(<unverified>)")
    }
}
