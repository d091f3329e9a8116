//! Fails when the committed `include/legacy_export.h` no longer matches what cbindgen makes of
//! the Rust sources: an export changed without regenerating, or the header was edited by hand.

#[path = "../tools/cbindgen_config.rs"]
mod cbindgen_config;

/// The committed header is exactly what cbindgen generates from the current sources.
#[test]
fn committed_header_matches_the_sources() {
    let generated = cbindgen_config::generate().unwrap_or_else(|err| panic!("{err}"));
    let path = cbindgen_config::committed_header_path();
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    if generated == committed {
        return;
    }
    let hint = generated
        .lines()
        .zip(committed.lines())
        .enumerate()
        .find(|(_, (new, old))| new != old)
        .map_or_else(
            || "one is a prefix of the other".to_owned(),
            |(index, (new, old))| {
                format!(
                    "line {}:\n  committed: {old}\n  generated: {new}",
                    index + 1
                )
            },
        );
    panic!(
        "{} has drifted from the Rust sources; first difference at {hint}\n\
         Regenerate with examples/legacy/legacy-export/regenerate.sh and review the diff.",
        path.display()
    );
}
