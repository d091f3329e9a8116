//! Attacks on the world outside the worker: exfiltration over TCP, UDP and a Unix socket to
//! listeners this test owns on loopback; exec, `system`, `posix_spawn`, fork and vfork; reading
//! a secret file, the host's environment and memory through `/proc`; ptrace of and signals to
//! the host; writes outside allowed paths; a symlink out of an allowed directory.
//!
//! Each attack runs confined (the defense: the seccomp allowlist, reported by the user-
//! notification listener, with Landlock and namespaces behind it) and must be refused,
//! reported under the syscall's name and leave the sandbox serving; then unconfined, where it
//! must succeed against the same test-owned target, which shows the confined run is not
//! vacuous. Removing the seccomp layer makes the confined halves fail.

mod support;

use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::net::UnixListener;

use ffiguard_sandbox::Policy;
use hostile::*;
use support::{assert_contained, confined, eventually, may_ptrace_others, unconfined};

/// What the host keeps in memory and the attacks try to read.
static HOST_SECRET: [u8; 32] = *b"host-secret-0123456789abcdef-xyz";

const LOOT: &[u8] = b"exfiltrated-by-hostile";

fn tcp_exfiltration() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let sandbox = confined();
    let result = tcp_exfil::call(&sandbox, port)
        .expect("call")
        .trust_unverified("errno");
    assert_contained(&sandbox, result, "socket");
    assert!(
        listener.accept().is_err(),
        "the listener received a connection"
    );

    let sandbox = unconfined();
    let result = tcp_exfil::call(&sandbox, port)
        .expect("call")
        .trust_unverified("count");
    assert!(result > 0, "{result}");
    let mut received = Vec::new();
    assert!(eventually(|| match listener.accept() {
        Ok((mut stream, _)) => {
            stream.set_nonblocking(false).expect("blocking");
            stream.read_to_end(&mut received).is_ok()
        }
        Err(_) => false,
    }));
    assert_eq!(received, LOOT);
}

fn udp_exfiltration() {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("socket");
    socket.set_nonblocking(true).expect("nonblocking");
    let port = socket.local_addr().expect("addr").port();
    let sandbox = confined();
    let result = udp_exfil::call(&sandbox, port)
        .expect("call")
        .trust_unverified("errno");
    assert_contained(&sandbox, result, "socket");
    let mut buffer = [0u8; 64];
    assert!(socket.recv(&mut buffer).is_err(), "a datagram arrived");

    let sandbox = unconfined();
    let result = udp_exfil::call(&sandbox, port)
        .expect("call")
        .trust_unverified("count");
    assert!(result > 0, "{result}");
    let mut got = 0;
    assert!(eventually(|| socket
        .recv(&mut buffer)
        .map(|n| got = n)
        .is_ok()));
    assert_eq!(&buffer[..got], LOOT);
}

fn unix_socket_exfiltration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("listener.sock");
    let listener = UnixListener::bind(&path).expect("listener");
    listener.set_nonblocking(true).expect("nonblocking");
    let path = path.to_string_lossy().into_owned();
    let sandbox = confined();
    let result = unix_exfil::call(&sandbox, path.clone())
        .expect("call")
        .trust_unverified("e");
    assert_contained(&sandbox, result, "socket");
    assert!(
        listener.accept().is_err(),
        "the listener received a connection"
    );

    let sandbox = unconfined();
    let result = unix_exfil::call(&sandbox, path)
        .expect("call")
        .trust_unverified("count");
    assert!(result > 0, "{result}");
    assert!(eventually(|| listener.accept().is_ok()));
}

/// exec, system and posix_spawn: the evidence is a marker file the program would create.
fn program_execution() {
    let dir = tempfile::tempdir().expect("tempdir");
    type Attack = fn(
        &ffiguard_sandbox::Sandbox,
        String,
    ) -> Result<ffiguard_sandbox::Tainted<i32>, ffiguard_sandbox::SandboxError>;
    let attacks: [(&str, Attack, &str); 3] = [
        ("exec", exec_shell::call, "execve"),
        ("system", run_system::call, "clone"),
        ("spawn", spawn_program::call, "clone"),
    ];
    for (name, attack, syscall) in attacks {
        let marker = dir.path().join(name);
        let marker_text = marker.to_string_lossy().into_owned();
        let sandbox = confined();
        let result = attack(&sandbox, marker_text.clone())
            .expect("call")
            .trust_unverified("errno");
        let detail = assert_contained(&sandbox, result, syscall);
        if syscall == "execve" {
            assert_eq!(
                detail.as_deref(),
                Some("/bin/sh"),
                "the report names the program"
            );
        }
        assert!(!marker.exists(), "{name}: the program ran");

        // Unconfined, exec replaces the worker (the call then fails); the marker shows it ran.
        let sandbox = unconfined();
        let _ = attack(&sandbox, marker_text);
        assert!(
            eventually(|| marker.exists()),
            "{name}: unconfined run left no marker"
        );
    }
}

fn fork_and_vfork() {
    let sandbox = confined();
    let result = fork_child::call(&sandbox)
        .expect("call")
        .trust_unverified("errno");
    let flags = assert_contained(&sandbox, result, "clone");
    assert!(flags.is_some_and(|f| f.starts_with("flags")));
    let result = vfork_child::call(&sandbox)
        .expect("call")
        .trust_unverified("errno");
    assert_contained(&sandbox, result, "vfork");

    let sandbox = unconfined();
    assert!(
        fork_child::call(&sandbox)
            .expect("call")
            .trust_unverified("pid")
            > 0
    );
    assert!(
        vfork_child::call(&sandbox)
            .expect("call")
            .trust_unverified("pid")
            > 0
    );
}

fn secret_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "the-secret").expect("secret");
    let path = secret.to_string_lossy().into_owned();
    let sandbox = confined();
    let (result, bytes) = read_file::call(&sandbox, path.clone(), 64)
        .expect("call")
        .trust_unverified("inspected");
    assert!(bytes.is_empty(), "the secret was seen");
    let detail = assert_contained(&sandbox, result, "openat");
    assert_eq!(
        detail.as_deref(),
        Some(path.as_str()),
        "the report names the path"
    );

    let sandbox = unconfined();
    let (_, bytes) = read_file::call(&sandbox, path, 64)
        .expect("call")
        .trust_unverified("x");
    assert_eq!(&bytes[..], b"the-secret");
}

fn host_environment() {
    let host = std::process::id();
    let path = format!("/proc/{host}/environ");
    let sandbox = confined();
    let (result, bytes) = read_file::call(&sandbox, path.clone(), 4096)
        .expect("call")
        .trust_unverified("inspected");
    assert!(bytes.is_empty());
    assert_contained(&sandbox, result, "openat");

    let sandbox = unconfined();
    let (result, bytes) = read_file::call(&sandbox, path, 4096)
        .expect("call")
        .trust_unverified("x");
    let own = std::fs::read("/proc/self/environ").expect("own environ");
    assert!(result >= 0, "{result}");
    assert_eq!(&bytes[..], &own[..bytes.len().min(own.len())]);
}

fn host_memory() {
    let host = i32::try_from(std::process::id()).expect("pid");
    let address = HOST_SECRET.as_ptr() as u64;
    let sandbox = confined();
    let (result, bytes) = read_proc_mem::call(&sandbox, host, address, 32)
        .expect("call")
        .trust_unverified("inspected");
    assert!(bytes.is_empty());
    assert_contained(&sandbox, result, "openat");
    let (result, bytes) = process_vm_read::call(&sandbox, host, address, 32)
        .expect("call")
        .trust_unverified("inspected");
    assert!(bytes.is_empty());
    assert_contained(&sandbox, result, "process_vm_readv");

    if may_ptrace_others() {
        let sandbox = unconfined();
        let (_, bytes) = read_proc_mem::call(&sandbox, host, address, 32)
            .expect("call")
            .trust_unverified("compared");
        assert_eq!(&bytes[..], &HOST_SECRET[..]);
    } else {
        println!("  (unconfined /proc/<host>/mem comparison skipped: Yama forbids it here)");
    }
}

/// A sleeper this test owns: the target of the unconfined ptrace and signal comparisons.
fn sleeper() -> std::process::Child {
    std::process::Command::new("/bin/sleep")
        .arg("30")
        .spawn()
        .expect("sleeper")
}

fn ptrace_host() {
    let host = i32::try_from(std::process::id()).expect("pid");
    let sandbox = confined();
    let result = ptrace_attach::call(&sandbox, host)
        .expect("call")
        .trust_unverified("e");
    assert_contained(&sandbox, result, "ptrace");

    if may_ptrace_others() {
        let mut target = sleeper();
        let pid = i32::try_from(target.id()).expect("pid");
        let sandbox = unconfined();
        let result = ptrace_attach::call(&sandbox, pid)
            .expect("call")
            .trust_unverified("e");
        assert_eq!(result, 0, "unconfined ptrace of a test-owned process");
        let _ = target.kill();
        let _ = target.wait();
    }
}

fn signal_host() {
    let host = i32::try_from(std::process::id()).expect("pid");
    let sandbox = confined();
    // SIGURG is ignored by default: if confinement failed, the test reports it instead of dying.
    let result = signal::call(&sandbox, host, SIGURG)
        .expect("call")
        .trust_unverified("errno");
    let detail = assert_contained(&sandbox, result, "kill");
    assert_eq!(detail, Some(format!("target {host}")));

    let mut target = sleeper();
    let pid = i32::try_from(target.id()).expect("pid");
    let sandbox = unconfined();
    let result = signal::call(&sandbox, pid, SIGTERM)
        .expect("call")
        .trust_unverified("e");
    assert_eq!(result, 0);
    assert!(eventually(|| target
        .try_wait()
        .is_ok_and(|status| status.is_some())));
}

const SIGURG: i32 = 23;
const SIGTERM: i32 = 15;

fn writes_outside_allowed_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let allowed = dir.path().join("allowed");
    std::fs::create_dir(&allowed).expect("dir");
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "original").expect("victim");
    let victim_text = victim.to_string_lossy().into_owned();
    // Reading `allowed` is permitted; writing anywhere is not: seccomp sends opening for
    // writing to the listener (reported with the path), and Landlock would refuse it too.
    let sandbox = support::sandbox(Policy::read_only([allowed.clone()]));
    let result = write_file::call(&sandbox, victim_text.clone())
        .expect("call")
        .trust_unverified("e");
    let detail = assert_contained(&sandbox, result, "openat");
    assert_eq!(detail.as_deref(), Some(victim_text.as_str()));
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "original"
    );
    let sandbox = confined();
    let result = write_file::call(&sandbox, victim_text.clone())
        .expect("call")
        .trust_unverified("e");
    assert_contained(&sandbox, result, "openat");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "original"
    );

    let sandbox = unconfined();
    assert!(
        write_file::call(&sandbox, victim_text)
            .expect("call")
            .trust_unverified("n")
            > 0
    );
    assert_ne!(
        std::fs::read_to_string(&victim).expect("victim"),
        "original"
    );
}

/// A symlink inside an allowed directory that points at a secret outside it: Landlock checks
/// the file reached, not the name used. Creating new links is refused outright.
fn symlink_tricks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let allowed = dir.path().join("allowed");
    std::fs::create_dir(&allowed).expect("dir");
    std::fs::write(allowed.join("public"), "public").expect("public");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "the-secret").expect("secret");
    std::os::unix::fs::symlink(&secret, allowed.join("link")).expect("symlink");
    let link = allowed.join("link").to_string_lossy().into_owned();
    let public = allowed.join("public").to_string_lossy().into_owned();

    let sandbox = support::sandbox(Policy::read_only([allowed.clone()]));
    let (_, bytes) = read_file::call(&sandbox, public, 64)
        .expect("call")
        .trust_unverified("x");
    assert_eq!(&bytes[..], b"public", "the allowed file is readable");
    let (result, bytes) = read_file::call(&sandbox, link.clone(), 64)
        .expect("call")
        .trust_unverified("inspected");
    assert!(result < 0 && bytes.is_empty(), "the link led out: {result}");
    support::assert_serves(&sandbox);

    let new_link = dir.path().join("new-link").to_string_lossy().into_owned();
    let target = secret.to_string_lossy().into_owned();
    let sandbox = confined();
    let result = make_symlink::call(&sandbox, target.clone(), new_link.clone())
        .expect("call")
        .trust_unverified("errno");
    assert_contained(&sandbox, result, "symlink");

    let sandbox = unconfined();
    let (_, bytes) = read_file::call(&sandbox, link, 64)
        .expect("call")
        .trust_unverified("x");
    assert_eq!(&bytes[..], b"the-secret");
    assert_eq!(
        make_symlink::call(&sandbox, target, new_link)
            .expect("call")
            .trust_unverified("e"),
        0
    );
}

/// Decoded arguments: with `socket` allowed, `connect` is the blocked call and the report
/// carries the address.
fn reports_decode_connect_addresses() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let sandbox = support::sandbox(Policy::pure_compute().allow_syscall("socket"));
    let result = tcp_exfil::call(&sandbox, port)
        .expect("call")
        .trust_unverified("errno");
    let detail = assert_contained(&sandbox, result, "connect");
    assert_eq!(detail, Some(format!("127.0.0.1:{port}")));
    assert!(listener.accept().is_err());
}

fn main() {
    support::run(ffiguard_sandbox::tests![
        tcp_exfiltration,
        udp_exfiltration,
        unix_socket_exfiltration,
        program_execution,
        fork_and_vfork,
        secret_file,
        host_environment,
        host_memory,
        ptrace_host,
        signal_host,
        writes_outside_allowed_paths,
        symlink_tricks,
        reports_decode_connect_addresses,
    ]);
}
