//! Fails when the committed `src/bindings.rs` no longer matches what bindgen makes of the headers
//! in `csrc/`: a header changed without regenerating, or someone edited the bindings by hand.

#[path = "../tools/bindgen_config.rs"]
mod bindgen_config;

/// The committed bindings are exactly what bindgen generates from the current headers.
#[test]
fn committed_bindings_match_the_headers() {
    let generated = match bindgen_config::generate() {
        Ok(text) => text,
        Err(err) => {
            panic!("{err}\n(bindgen needs libclang: set LIBCLANG_PATH, e.g. /usr/lib/llvm-22/lib)")
        }
    };
    let path = bindgen_config::committed_bindings_path();
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    if generated == committed {
        return;
    }
    let first_difference = generated
        .lines()
        .zip(committed.lines())
        .enumerate()
        .find(|(_, (new, old))| new != old);
    let hint = match first_difference {
        Some((index, (new, old))) => format!(
            "first difference at line {}:\n  committed: {old}\n  generated: {new}",
            index + 1
        ),
        None => format!(
            "one is a prefix of the other ({} committed lines, {} generated lines)",
            committed.lines().count(),
            generated.lines().count()
        ),
    };
    panic!(
        "{} has drifted from the headers in csrc/.\n{hint}\n\
         Regenerate with examples/legacy/legacy-sys/regenerate.sh and review the diff.",
        path.display()
    );
}
