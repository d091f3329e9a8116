//! Whether human output is colored: `--color`, then cargo's `CARGO_TERM_COLOR`, then the
//! `NO_COLOR` convention (<https://no-color.org>), then whether stdout is a terminal.

use crate::cli::Color;

/// Decides from the flag (when given), the two variables' values and whether stdout is a
/// terminal. An explicit choice wins over a general preference: the flag over
/// `CARGO_TERM_COLOR`, which a user sets for cargo tools in particular, over `NO_COLOR`.
pub(crate) fn enabled(
    flag: Option<Color>,
    cargo_term_color: Option<&str>,
    no_color: Option<&str>,
    terminal: bool,
) -> bool {
    let from_cargo = cargo_term_color.and_then(|v| match v.to_ascii_lowercase().as_str() {
        "always" => Some(Color::Always),
        "never" => Some(Color::Never),
        "auto" => Some(Color::Auto),
        _ => None,
    });
    match flag.or(from_cargo).unwrap_or(Color::Auto) {
        Color::Always => true,
        Color::Never => false,
        // NO_COLOR counts when set to anything but the empty string.
        Color::Auto => terminal && no_color.is_none_or(str::is_empty),
    }
}

/// [`enabled`] for this process.
pub(crate) fn for_stdout(flag: Option<Color>) -> bool {
    use std::io::IsTerminal;
    let var = |name: &str| std::env::var(name).ok();
    enabled(
        flag,
        var("CARGO_TERM_COLOR").as_deref(),
        var("NO_COLOR").as_deref(),
        std::io::stdout().is_terminal(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_then_cargo_then_no_color_then_terminal() {
        assert!(enabled(None, None, None, true));
        assert!(!enabled(None, None, None, false));
        assert!(!enabled(None, None, Some("1"), true));
        assert!(enabled(None, None, Some(""), true));
        assert!(enabled(None, Some("always"), Some("1"), false));
        assert!(!enabled(None, Some("never"), None, true));
        assert!(!enabled(None, Some("auto"), Some("1"), true));
        assert!(enabled(
            Some(Color::Always),
            Some("never"),
            Some("1"),
            false
        ));
        assert!(!enabled(Some(Color::Never), Some("always"), None, true));
        assert!(enabled(None, Some("bogus"), None, true));
    }
}
