//! Turning `proc-macro2` spans into [`Location`]s.

use crate::Location;
use proc_macro2::Span;

/// The location of `span` in `file`. Needs `proc-macro2`'s `span-locations` and a span that
/// came from parsing that file on this thread; a synthetic span maps to line 1, column 1.
pub(crate) fn location(file: &str, span: Span) -> Location {
    let start = span.start();
    let end = span.end();
    let line = start.line.max(1);
    let end_line = end.line.max(line);
    let column = start.column + 1;
    let end_column = if end_line == line {
        (end.column + 1).max(column)
    } else {
        end.column + 1
    };
    Location {
        file: file.to_owned(),
        line,
        column,
        end_line,
        end_column,
    }
}
