//! What the machine offers: toolchain, host triple, rustc's LLVM, `rust-src`, clang, Valgrind.

use crate::Error;
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which Rust toolchain to build with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolchainChoice {
    /// `nightly` when rustup has it, otherwise the default toolchain with `RUSTC_BOOTSTRAP=1`.
    #[default]
    Auto,
    /// This rustup toolchain (`stable`, `nightly`, `1.95.0`…).
    Named(String),
}

/// The tools found, and what they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    /// The rustup toolchain to select (`RUSTUP_TOOLCHAIN`), or `None` for the default one.
    pub toolchain: Option<String>,
    /// Whether rustc accepts `-Z` flags without `RUSTC_BOOTSTRAP=1`.
    pub nightly: bool,
    /// Host triple, passed as `--target` so build scripts and proc-macros stay uninstrumented.
    pub host: String,
    /// rustc's LLVM major version; the C compiler must match it.
    pub llvm_major: u32,
    /// Whether the `rust-src` component (needed by `-Zbuild-std`) is installed.
    pub rust_src: bool,
    /// A clang of `llvm_major`.
    pub clang: Option<PathBuf>,
    /// The matching clang++.
    pub clangxx: Option<PathBuf>,
    /// An `llvm-symbolizer` next to that clang, for readable stacks.
    pub symbolizer: Option<PathBuf>,
    /// `valgrind`, if installed.
    pub valgrind: Option<PathBuf>,
}

impl Environment {
    /// Looks at the machine: runs `rustc -vV` and `--print sysroot` through the chosen
    /// toolchain and searches `PATH` and `/usr/lib/llvm-N/bin` for tools.
    pub fn detect(choice: &ToolchainChoice) -> Result<Environment, Error> {
        let toolchain = match choice {
            ToolchainChoice::Named(name) => {
                if rustc(Some(name), &["-vV"]).is_err() {
                    return Err(Error::MissingToolchain(name.clone()));
                }
                Some(name.clone())
            }
            ToolchainChoice::Auto => rustc(Some("nightly"), &["-vV"])
                .is_ok()
                .then(|| "nightly".to_owned()),
        };
        let version = rustc(toolchain.as_deref(), &["-vV"])?;
        let sysroot = rustc(toolchain.as_deref(), &["--print", "sysroot"])?;
        let (host, llvm_major, nightly) = parse_version(&version).ok_or_else(|| Error::Tool {
            program: "rustc -vV".to_owned(),
            detail: format!("no host or LLVM version in {version:?}"),
        })?;
        let rust_src = Path::new(sysroot.trim())
            .join("lib/rustlib/src/rust/library")
            .is_dir();
        let clang = find_clang("clang", llvm_major);
        let symbolizer = clang
            .as_ref()
            .and_then(|c| std::fs::canonicalize(c).ok())
            .and_then(|c| c.parent().map(|dir| dir.join("llvm-symbolizer")))
            .filter(|p| p.is_file())
            .or_else(|| which(&format!("llvm-symbolizer-{llvm_major}")));
        Ok(Environment {
            toolchain,
            nightly,
            host,
            llvm_major,
            rust_src,
            clangxx: find_clang("clang++", llvm_major),
            clang,
            symbolizer,
            valgrind: which("valgrind"),
        })
    }

    /// How the toolchain reads in messages: `nightly`, or `stable with RUSTC_BOOTSTRAP=1`.
    pub fn toolchain_label(&self) -> String {
        let name = self.toolchain.as_deref().unwrap_or("default toolchain");
        if self.nightly {
            name.to_owned()
        } else {
            format!("{name} with RUSTC_BOOTSTRAP=1 (no nightly installed)")
        }
    }
}

/// Reads `host`, the LLVM major and whether this is a nightly out of `rustc -vV`.
pub(crate) fn parse_version(text: &str) -> Option<(String, u32, bool)> {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .map(str::trim)
    };
    let host = field("host:")?.to_owned();
    let llvm_major = field("LLVM version:")?.split('.').next()?.parse().ok()?;
    let release = field("release:").unwrap_or("");
    let nightly = release.contains("nightly") || release.contains("dev");
    Some((host, llvm_major, nightly))
}

fn rustc(toolchain: Option<&str>, args: &[&str]) -> Result<String, Error> {
    let mut command = match toolchain {
        Some(name) => {
            let mut c = Command::new("rustup");
            c.args(["run", name, "rustc"]);
            c
        }
        None => Command::new(env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())),
    };
    let output = command.args(args).output().map_err(|source| Error::Spawn {
        program: "rustc".to_owned(),
        source,
    })?;
    if !output.status.success() {
        return Err(Error::Tool {
            program: format!("rustc {}", args.join(" ")),
            detail: format!(
                "{}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `clang-22` on `PATH`, then `/usr/lib/llvm-22/bin/clang`, then a plain `clang` whose
/// `--version` says 22.
fn find_clang(base: &str, major: u32) -> Option<PathBuf> {
    which(&format!("{base}-{major}"))
        .or_else(|| {
            let path = PathBuf::from(format!("/usr/lib/llvm-{major}/bin/{base}"));
            path.is_file().then_some(path)
        })
        .or_else(|| {
            let plain = which(base)?;
            let output = Command::new(&plain).arg("--version").output().ok()?;
            let text = String::from_utf8_lossy(&output.stdout);
            text.contains(&format!("clang version {major}."))
                .then_some(plain)
        })
}

/// The first executable file called `name` on `PATH`.
pub(crate) fn which(name: &str) -> Option<PathBuf> {
    which::which(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rustc_version_output() {
        let text = "rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\nhost: x86_64-unknown-linux-gnu\nrelease: 1.95.0\nLLVM version: 22.1.2\n";
        assert_eq!(
            parse_version(text),
            Some(("x86_64-unknown-linux-gnu".to_owned(), 22, false))
        );
        let nightly = text.replace("release: 1.95.0", "release: 1.97.0-nightly");
        assert_eq!(parse_version(&nightly).map(|v| v.2), Some(true));
        assert_eq!(parse_version("host: x\nLLVM version: unknown\n"), None);
    }
}
