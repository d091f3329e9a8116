//! Turns a mode and the environment into the exact `cargo test` command.

use crate::{Environment, Error, Sanitizer};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

/// What to run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Directory to run `cargo test` in (a crate or workspace).
    pub manifest_dir: PathBuf,
    /// Where the per-sanitizer target directories go (`<root>/<mode>`); by default
    /// `<workspace target dir>/ffiguard-sanitize`.
    pub target_root: Option<PathBuf>,
    /// Extra `cargo test` arguments (`-p legacy --test foo -- --include-ignored`).
    pub cargo_args: Vec<OsString>,
}

impl Options {
    /// Options for `cargo test` in `manifest_dir` with no extra arguments.
    pub fn new(manifest_dir: impl Into<PathBuf>) -> Options {
        Options {
            manifest_dir: manifest_dir.into(),
            ..Options::default()
        }
    }

    /// Sets [`target_root`](Self::target_root).
    pub fn target_root(mut self, root: impl Into<PathBuf>) -> Options {
        self.target_root = Some(root.into());
        self
    }

    /// Appends `cargo test` arguments.
    pub fn cargo_args<I, S>(mut self, args: I) -> Options
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.cargo_args.extend(args.into_iter().map(Into::into));
        self
    }
}

/// A ready command: program, arguments, environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The mode.
    pub sanitizer: Sanitizer,
    /// Arguments to `cargo`.
    pub args: Vec<OsString>,
    /// Variables set for cargo (and through it for the compilers and the tests).
    pub envs: Vec<(String, OsString)>,
    /// Variables removed (a `RUSTC` of another toolchain would defeat `RUSTUP_TOOLCHAIN`).
    pub removed_envs: Vec<String>,
    /// Working directory.
    pub cwd: PathBuf,
    /// This mode's own target directory.
    pub target_dir: PathBuf,
    /// What a user should know: toolchain fallback, compiler choice.
    pub notes: Vec<String>,
}

/// Plans one mode. Fails when the mode cannot work here (no `rust-src` for `-Zbuild-std`,
/// no matching clang for MSan/UBSan, no valgrind), naming what to install.
///
/// ```
/// use ffiguard_sanitize::{Environment, Options, Sanitizer, plan};
/// let env = Environment {
///     toolchain: None,
///     nightly: false,
///     host: "x86_64-unknown-linux-gnu".into(),
///     llvm_major: 22,
///     rust_src: true,
///     clang: Some("/usr/bin/clang-22".into()),
///     clangxx: None,
///     symbolizer: None,
///     valgrind: None,
/// };
/// let options = Options::new("/src/mycrate").target_root("/tmp/t");
/// let plan = plan(Sanitizer::Thread, &env, &options)?;
/// assert!(plan.shell_line().contains("RUSTC_BOOTSTRAP=1"));
/// assert!(plan.shell_line().contains("-Zbuild-std"));
/// assert_eq!(plan.target_dir, std::path::Path::new("/tmp/t/thread"));
/// # Ok::<(), ffiguard_sanitize::Error>(())
/// ```
pub fn plan(sanitizer: Sanitizer, env: &Environment, options: &Options) -> Result<Plan, Error> {
    let root = match &options.target_root {
        Some(root) => root.clone(),
        None => default_target_root(options)?,
    };
    let target_dir = root.join(sanitizer.name());
    let mut plan = Plan {
        sanitizer,
        args: vec!["test".into()],
        envs: Vec::new(),
        removed_envs: Vec::new(),
        cwd: options.manifest_dir.clone(),
        target_dir: target_dir.clone(),
        notes: Vec::new(),
    };
    plan.set("CARGO_TARGET_DIR", target_dir);
    plan.set("FFIGUARD_SANITIZER", sanitizer.name());
    let user_backtrace = std::env::var_os("RUST_BACKTRACE").filter(|v| v != "0");
    if sanitizer.needs_build_std() && user_backtrace.is_some() {
        plan.notes.push(
            "RUST_BACKTRACE=0: symbolising a Rust backtrace through an instrumented std \
             takes minutes per panic (sanitizer reports carry their own stacks)"
                .to_owned(),
        );
    }
    if user_backtrace.is_none() || sanitizer.needs_build_std() {
        // Even uninstrumented, symbolising costs seconds per panic in tests that panic on
        // purpose.
        plan.set("RUST_BACKTRACE", "0");
    }
    if let Some(toolchain) = &env.toolchain {
        plan.set("RUSTUP_TOOLCHAIN", toolchain);
        plan.removed_envs = vec!["RUSTC".into(), "RUSTDOC".into()];
    }
    match sanitizer.rustc_sanitizer() {
        Some(rustc_flag) => instrument(&mut plan, rustc_flag, env)?,
        None => valgrind(&mut plan, env)?,
    }
    if !options.cargo_args.iter().any(|a| a == "--no-fail-fast") {
        // One binary's finding must not hide the next binary's.
        plan.args.push("--no-fail-fast".into());
    }
    plan.args.extend(options.cargo_args.iter().cloned());
    Ok(plan)
}

fn instrument(plan: &mut Plan, rustc_flag: &str, env: &Environment) -> Result<(), Error> {
    let sanitizer = plan.sanitizer;
    let toolchain = env.toolchain.as_deref().unwrap_or("stable");
    if !env.nightly {
        plan.set("RUSTC_BOOTSTRAP", "1");
        plan.notes.push(format!("using {}", env.toolchain_label()));
    }
    let mut rustflags = vec![
        format!("-Zsanitizer={rustc_flag}"),
        "-Cforce-frame-pointers=yes".to_owned(),
    ];
    if sanitizer == Sanitizer::Memory {
        rustflags.push("-Zsanitizer-memory-track-origins".to_owned());
    }
    let rustflags = rustflags.join(" ");
    plan.set("RUSTFLAGS", append_flags("RUSTFLAGS", &rustflags));
    // Doctests link against the instrumented crates; rustdoc must agree on the sanitizer.
    plan.set("RUSTDOCFLAGS", append_flags("RUSTDOCFLAGS", &rustflags));
    plan.args.push("--target".into());
    plan.args.push(env.host.clone().into());
    if sanitizer.needs_build_std() {
        if !env.rust_src {
            return Err(Error::MissingRustSrc {
                sanitizer,
                toolchain: toolchain.to_owned(),
            });
        }
        plan.args.push("-Zbuild-std".into());
    }
    match (&env.clang, sanitizer.needs_clang()) {
        (Some(clang), _) => {
            plan.set("CC", clang);
            if let Some(clangxx) = &env.clangxx {
                plan.set("CXX", clangxx);
            }
        }
        (None, true) => {
            return Err(Error::MissingClang {
                sanitizer,
                llvm_major: env.llvm_major,
            });
        }
        (None, false) => plan.notes.push(format!(
            "no clang-{} found: C is built by the default compiler, whose sanitizer ABI may \
             not match rustc's runtime",
            env.llvm_major
        )),
    }
    let mut cflags = sanitizer.c_flags().join(" ");
    cflags.push_str(" -fno-omit-frame-pointer -g");
    plan.set("CFLAGS", append_flags("CFLAGS", &cflags));
    plan.set("CXXFLAGS", append_flags("CXXFLAGS", &cflags));
    for (name, value) in sanitizer.runtime_options() {
        // The user's own options come last, so they win.
        let value = match std::env::var(name) {
            Ok(user) if !user.is_empty() => format!("{value}:{user}"),
            _ => (*value).to_owned(),
        };
        plan.set(name, value);
    }
    if let Some(symbolizer) = &env.symbolizer {
        for name in ["ASAN", "LSAN", "MSAN", "TSAN", "UBSAN"] {
            plan.set(&format!("{name}_SYMBOLIZER_PATH"), symbolizer);
        }
    }
    Ok(())
}

fn valgrind(plan: &mut Plan, env: &Environment) -> Result<(), Error> {
    let valgrind = env.valgrind.as_ref().ok_or(Error::MissingValgrind)?;
    let runner = format!(
        "{} --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
         --show-leak-kinds=definite --num-callers=16 -q",
        valgrind.display()
    );
    let triple = env.host.to_uppercase().replace(['-', '.'], "_");
    plan.set(&format!("CARGO_TARGET_{triple}_RUNNER"), runner);
    plan.notes
        .push("valgrind runs the test binaries only; doctests run natively".to_owned());
    Ok(())
}

impl Plan {
    fn set(&mut self, name: &str, value: impl Into<OsString>) {
        self.envs.retain(|(n, _)| n != name);
        self.envs.push((name.to_owned(), value.into()));
    }

    /// The command, ready to spawn (stdio left to the caller).
    pub fn command(&self) -> Command {
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        if self.removed_envs.iter().any(|n| n == "RUSTC") {
            // `CARGO` may point into the default toolchain; the rustup proxy honours
            // RUSTUP_TOOLCHAIN.
            command = Command::new("cargo");
        }
        command.args(&self.args).current_dir(&self.cwd);
        for name in &self.removed_envs {
            command.env_remove(name);
        }
        command.envs(self.envs.iter().map(|(n, v)| (n, v)));
        command
    }

    /// The same command as one shell line, to reproduce it by hand or in CI.
    pub fn shell_line(&self) -> String {
        let mut words: Vec<String> = self
            .envs
            .iter()
            .map(|(n, v)| format!("{n}={}", quote(&v.to_string_lossy())))
            .collect();
        words.push("cargo".to_owned());
        words.extend(self.args.iter().map(|a| quote(&a.to_string_lossy())));
        words.join(" ")
    }
}

/// `word` as one POSIX shell word. Environment values and arguments cannot hold a NUL, the
/// one thing shlex refuses; should one ever appear it is shown escaped rather than dropped.
fn quote(word: &str) -> String {
    shlex::try_quote(word).map_or_else(|_| word.escape_default().to_string(), Into::into)
}

fn append_flags(name: &str, ours: &str) -> String {
    match std::env::var(name) {
        Ok(user) if !user.trim().is_empty() => format!("{} {ours}", user.trim()),
        _ => ours.to_owned(),
    }
}

/// `CARGO_TARGET_DIR` if set, else the workspace's `target/`, plus `ffiguard-sanitize`.
fn default_target_root(options: &Options) -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Ok(PathBuf::from(dir).join("ffiguard-sanitize"));
    }
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .current_dir(&options.manifest_dir)
        .output()
        .map_err(|source| Error::Spawn {
            program: "cargo locate-project".to_owned(),
            source,
        })?;
    let manifest = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    match manifest.parent() {
        Some(root) if output.status.success() => Ok(root.join("target/ffiguard-sanitize")),
        _ => Err(Error::Tool {
            program: "cargo locate-project".to_owned(),
            detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn shell_words_survive_a_shell_split() {
        let words = [
            "plain",
            "",
            "two words",
            "it's",
            "-C link-arg=-Wl,--as-needed",
            "$HOME`x`\"y\"",
        ];
        let line = words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
        let back = shlex::split(&line).expect("a shell line");
        assert_eq!(back, words);
        assert_eq!(quote("plain"), "plain");
    }
}
