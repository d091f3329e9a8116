//! `#[cfg(..)]` of binding items, evaluated per target, so that a declaration written for
//! Windows is compared on Windows only, and an alias has the definition its target sees.
//! Predicates the audit cannot know (`feature = ".."`, custom `--cfg`s) are "maybe": the item
//! is compared on every target.

use ffiguard_cheader::Target;

/// The `cfg` predicates an item is under (its own and its enclosing modules' and blocks').
pub(crate) type Cfgs = Vec<syn::Meta>;

/// The predicates of `#[cfg(..)]` attributes.
pub(crate) fn of_attrs(attrs: &[syn::Attribute]) -> Cfgs {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .filter_map(|a| a.parse_args::<syn::Meta>().ok())
        .collect()
}

/// Whether the item may exist on `target`: false only when a predicate is known false.
/// With `features` (the crate's default features), `feature = ".."` is known; without, it
/// is "maybe".
pub(crate) fn active(cfgs: &[syn::Meta], target: &Target, features: Option<&Features>) -> bool {
    cfgs.iter()
        .all(|m| eval(m, target, features) != Some(false))
}

/// Whether every predicate is known to hold on `target` with the crate features `features`
/// on (feature names compared as cargo's `CARGO_FEATURE_*` does: case and `-`/`_` aside).
/// Unknown predicates (custom `--cfg`s) do not hold.
pub(crate) fn holds(cfgs: &[syn::Meta], target: &Target, features: &Features) -> bool {
    cfgs.iter()
        .all(|m| eval(m, target, Some(features)) == Some(true))
}

/// Crate features that are on, normalised (`Foo-bar` → `foo_bar`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Features(std::collections::HashSet<String>);

impl Features {
    /// The features in `names`.
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Features {
        Features(names.into_iter().map(normalise_feature).collect())
    }

    fn contains(&self, name: &str) -> bool {
        self.0.contains(&normalise_feature(name))
    }
}

fn normalise_feature(name: &str) -> String {
    name.to_lowercase().replace('-', "_")
}

/// The predicates as the source spells them, for messages.
pub(crate) fn describe(cfgs: &[syn::Meta]) -> String {
    cfgs.iter()
        .map(|m| format!("#[cfg({})]", crate::type_text(m)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a binding file may be compiled for `target`, judged by a target triple in its name
/// (`x86_64-pc-windows-msvc.rs`, `gdal_i686-pc-windows-gnu.rs`,
/// `bindings_..-aarch64-unknown-linux-gnu.rs`): such a file is chosen per target by the build
/// script, so it is compared only with the target it names. Files without a triple match all.
pub(crate) fn file_matches(file: &str, target: &Target) -> bool {
    const ARCHES: &[(&str, &str)] = &[
        ("x86_64", "x86_64"),
        ("i686", "x86"),
        ("i586", "x86"),
        // `x86-linux-gnu` (aubio-sys): after `x86_64`, which it would otherwise not reach.
        ("x86", "x86"),
        ("aarch64", "aarch64"),
        ("armv7", "arm"),
        ("arm", "arm"),
        ("riscv64gc", "riscv64"),
        ("riscv64", "riscv64"),
        ("powerpc64le", "powerpc64"),
        ("powerpc64", "powerpc64"),
        ("powerpc", "powerpc"),
        ("mips64", "mips64"),
        ("mips", "mips"),
        ("sparc64", "sparc64"),
        ("loongarch64", "loongarch64"),
        ("s390x", "s390x"),
        ("wasm32", "wasm32"),
    ];
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = name.strip_suffix(".rs").unwrap_or(name);
    // The triple starts at the start of the name or after `_`/`-`/`.`, and has an OS part.
    let found = ARCHES.iter().find_map(|(prefix, arch)| {
        stem.match_indices(prefix).find_map(|(i, _)| {
            let starts = i == 0 || matches!(stem.as_bytes()[i - 1], b'_' | b'-' | b'.');
            let rest = stem[i + prefix.len()..].strip_prefix('-')?;
            (starts && rest.contains('-')).then_some((*arch, rest))
        })
    });
    let Some((file_arch, rest)) = found else {
        return os_arch_matches(stem, target);
    };
    let file_os = if rest.contains("windows") {
        "windows"
    } else if rest.contains("linux") {
        "linux"
    } else {
        // darwin, freebsd, none, ...: not a target the cross-check models.
        return false;
    };
    file_arch == arch(target) && file_os == os(target)
}

/// The other naming: an OS then an architecture (`bindings_linux_x64.rs`,
/// `bindings_windows_arm64.rs`, `bindings_macos_aarch64.rs`, libftd2xx-ffi's), as
/// `_`/`-`/`.`-separated words. A name without both matches every target.
fn os_arch_matches(stem: &str, target: &Target) -> bool {
    let words: Vec<&str> = stem.split(['_', '-', '.']).collect();
    for (i, pair) in words.windows(2).enumerate() {
        let os = match pair[0] {
            "linux" => "linux",
            "windows" | "win" => "windows",
            "macos" | "darwin" | "ios" | "android" | "freebsd" => "other",
            _ => continue,
        };
        let arch = match (pair[1], words.get(i + 2).copied()) {
            ("x86", Some("64")) | ("x64" | "amd64", _) => "x86_64",
            ("x86" | "i686" | "i386", _) => "x86",
            ("arm64" | "aarch64" | "armv8", _) => "aarch64",
            ("arm" | "armv6" | "armv7" | "armhf", _) => "arm",
            _ => continue,
        };
        return os == self::os(target) && arch == self::arch(target);
    }
    true
}

fn os(target: &Target) -> &'static str {
    if target.clang_triple.contains("windows") {
        "windows"
    } else {
        "linux"
    }
}

fn arch(target: &Target) -> &str {
    match target.clang_triple.split('-').next() {
        Some("i686") => "x86",
        Some(a) => a,
        None => "",
    }
}

fn str_value(nv: &syn::MetaNameValue) -> Option<String> {
    match &nv.value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// `Some(true/false)` when the predicate is decided by the target (and by `features`, when
/// given), `None` when unknown.
fn eval(meta: &syn::Meta, target: &Target, features: Option<&Features>) -> Option<bool> {
    let windows = os(target) == "windows";
    match meta {
        syn::Meta::Path(p) if p.is_ident("windows") => Some(windows),
        syn::Meta::Path(p) if p.is_ident("unix") => Some(!windows),
        syn::Meta::Path(_) => None,
        syn::Meta::NameValue(nv) => {
            let value = str_value(nv)?;
            let key = nv.path.get_ident()?.to_string();
            Some(match key.as_str() {
                "target_os" => value == os(target),
                "target_family" => value == if windows { "windows" } else { "unix" },
                "target_arch" => value == arch(target),
                "target_pointer_width" => value == (target.pointer_bytes * 8).to_string(),
                "target_env" => value == "gnu",
                "target_endian" => value == "little",
                "target_vendor" => value == if windows { "pc" } else { "unknown" },
                "feature" => features?.contains(&value),
                _ => return None,
            })
        }
        syn::Meta::List(list) => {
            let inner = list
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                )
                .ok()?;
            let values: Vec<Option<bool>> =
                inner.iter().map(|m| eval(m, target, features)).collect();
            if list.path.is_ident("all") {
                if values.contains(&Some(false)) {
                    Some(false)
                } else if values.iter().all(|v| *v == Some(true)) {
                    Some(true)
                } else {
                    None
                }
            } else if list.path.is_ident("any") {
                if values.contains(&Some(true)) {
                    Some(true)
                } else if values.iter().all(|v| *v == Some(false)) {
                    Some(false)
                } else {
                    None
                }
            } else if list.path.is_ident("not") {
                values.first().copied().flatten().map(|v| !v)
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ffiguard_cheader::{AARCH64_LINUX, I686_LINUX, X86_64_LINUX, X86_64_WINDOWS};

    fn on(cfg: &str, t: &Target) -> bool {
        let meta: syn::Meta = syn::parse_str(cfg).expect("parses");
        active(&[meta], t, None)
    }

    #[test]
    fn binding_files_named_for_a_target_match_only_it() {
        use ffiguard_cheader::{AARCH64_LINUX, I686_LINUX, X86_64_LINUX, X86_64_WINDOWS};
        let f = "cryptoki-sys/src/bindings/x86_64-unknown-linux-gnu.rs";
        assert!(super::file_matches(f, &X86_64_LINUX));
        assert!(!super::file_matches(f, &X86_64_WINDOWS));
        assert!(!super::file_matches(f, &I686_LINUX));
        let w = "prebuilt-bindings/3_10/gdal_i686-pc-windows-gnu.rs";
        assert!(!super::file_matches(w, &I686_LINUX));
        let darwin = "src/bindings/aarch64-apple-darwin.rs";
        assert!(!super::file_matches(darwin, &AARCH64_LINUX));
        let paho = "bindings/bindings_paho_mqtt_c_1.3.13-aarch64-unknown-linux-gnu.rs";
        assert!(super::file_matches(paho, &AARCH64_LINUX));
        assert!(!super::file_matches(paho, &X86_64_LINUX));
        let ftd = "src/bindings_linux_x64.rs";
        assert!(super::file_matches(ftd, &X86_64_LINUX));
        assert!(!super::file_matches(ftd, &X86_64_WINDOWS));
        assert!(super::file_matches(
            "src/bindings_windows_x64.rs",
            &X86_64_WINDOWS
        ));
        assert!(super::file_matches(
            "src/bindings_linux_armv8.rs",
            &AARCH64_LINUX
        ));
        assert!(!super::file_matches(
            "src/bindings_macos_x64.rs",
            &X86_64_LINUX
        ));
        let aubio = "src/bindings/x86-linux-gnu_single.rs";
        assert!(super::file_matches(aubio, &I686_LINUX));
        assert!(!super::file_matches(aubio, &X86_64_LINUX));
        assert!(!super::file_matches(
            "src/bindings/mips64-linux-gnu_double.rs",
            &X86_64_LINUX
        ));
        for plain in [
            "src/bindings/generic.rs",
            "src/lib.rs",
            "src/x86_64.rs",
            "src/arm-helpers.rs",
        ] {
            assert!(super::file_matches(plain, &X86_64_WINDOWS), "{plain}");
        }
    }

    #[test]
    fn target_predicates_decide_and_unknown_ones_do_not() {
        assert!(on("windows", &X86_64_WINDOWS) && !on("windows", &X86_64_LINUX));
        assert!(on(r#"all(unix, target_pointer_width = "32")"#, &I686_LINUX));
        assert!(!on(
            r#"all(unix, target_pointer_width = "32")"#,
            &AARCH64_LINUX
        ));
        assert!(on(r#"not(target_arch = "x86")"#, &AARCH64_LINUX));
        assert!(!on(r#"any(target_os = "macos", windows)"#, &X86_64_LINUX));
        // Unknown: compared everywhere.
        assert!(on("zng", &X86_64_LINUX) && on(r#"feature = "x""#, &X86_64_WINDOWS));
        assert!(!on(r#"all(feature = "x", windows)"#, &X86_64_LINUX));
    }

    #[test]
    fn with_the_default_features_known_feature_predicates_decide() {
        let features = Features::new(["1_2", "1_1", "0_6", "0_5", "std"]);
        let meta = |s: &str| -> syn::Meta { syn::parse_str(s).expect("parses") };
        let old = [meta(r#"not(feature = "0_5")"#)];
        let new = [meta(r#"feature = "1_1""#)];
        assert!(!active(&old, &X86_64_LINUX, Some(&features)));
        assert!(active(&new, &X86_64_LINUX, Some(&features)));
        assert!(active(&old, &X86_64_LINUX, None) && active(&new, &X86_64_LINUX, None));
    }
}
