//! Reports recorded from real runs of the planted fixture, shortened.

use super::*;

const ASAN: &str = "\
running 1 test
=================================================================
==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x502000000020 at pc 0x1 bp 0x2 sp 0x3
WRITE of size 4 at 0x502000000020 thread T1
    #0 0x55 in planted_heap_overflow /w/planted/csrc/planted.c:11:41
    #1 0x56 in sanitize_fixture_planted::tests::heap_overflow /w/planted/src/lib.rs:20:28
    #2 0x57 in <fn() as core::ops::function::FnOnce<()>>::call_once /rustc/abc/library/core/src/ops/function.rs:250:5

0x502000000020 is located 0 bytes after 16-byte region [0x502000000010,0x502000000020)
allocated by thread T1 here:
    #0 0x58 in malloc /rustc/llvm/src/llvm-project/compiler-rt/lib/asan/asan_malloc_linux.cpp:69:3
    #1 0x59 in planted_heap_overflow /w/planted/csrc/planted.c:9:19

SUMMARY: AddressSanitizer: heap-buffer-overflow /w/planted/csrc/planted.c:11:41 in planted_heap_overflow
";

#[test]
fn asan_keeps_the_first_stack_and_finds_the_c_line() {
    let report = parse_report(ASAN);
    assert_eq!(report.findings.len(), 1, "{report:?}");
    let finding = &report.findings[0];
    assert_eq!(finding.tool, Tool::AddressSanitizer);
    assert_eq!(finding.kind, "heap-buffer-overflow");
    assert_eq!(
        finding.frames.len(),
        3,
        "the allocation stack is not the access stack"
    );
    let at = finding.location.as_ref().expect("location");
    assert_eq!(at.function.as_deref(), Some("planted_heap_overflow"));
    assert_eq!(
        (at.file.as_deref(), at.line, at.column),
        (Some("/w/planted/csrc/planted.c"), Some(11), Some(41))
    );
}

#[test]
fn tsan_frames_without_addresses() {
    let out = "\
==================
WARNING: ThreadSanitizer: data race (pid=99)
  Write of size 8 at 0x5 by thread T2:
    #0 planted_bump /w/csrc/planted.c:28:58 (fixture-1+0x12) (BuildId: ab)
  Previous write of size 8 at 0x5 by thread T1:
    #0 planted_bump /w/csrc/planted.c:28:58 (fixture-1+0x12)
SUMMARY: ThreadSanitizer: data race /w/csrc/planted.c:28:58 in planted_bump
==================
";
    let finding = &parse_report(out).findings[0];
    assert_eq!(
        (finding.tool, finding.kind.as_str()),
        (Tool::ThreadSanitizer, "data race")
    );
    assert_eq!(finding.frames.len(), 1);
    assert_eq!(finding.location.as_ref().and_then(|f| f.line), Some(28));
}

#[test]
fn ubsan_location_from_the_header_and_frames() {
    let out = "csrc/planted.c:54:14: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'
    #0 0x1 in planted_signed_overflow /w/csrc/planted.c:54:14
SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior csrc/planted.c:54:14 ";
    let finding = &parse_report(out).findings[0];
    assert_eq!(finding.kind, "signed integer overflow");
    assert_eq!(
        finding.location.as_ref().and_then(|f| f.file.as_deref()),
        Some("/w/csrc/planted.c")
    );
}

#[test]
fn leaks_are_one_finding_each_and_repeats_are_counted() {
    let out = "==1==ERROR: LeakSanitizer: detected memory leaks

Direct leak of 64 byte(s) in 1 object(s) allocated from:
    #0 0x1 in malloc /rustc/llvm/src/llvm-project/compiler-rt/lib/lsan/lsan_interceptors.cpp:75:3
    #1 0x2 in planted_leak /w/csrc/planted.c:18:19

Direct leak of 64 byte(s) in 1 object(s) allocated from:
    #0 0x1 in malloc /rustc/llvm/src/llvm-project/compiler-rt/lib/lsan/lsan_interceptors.cpp:75:3
    #1 0x2 in planted_leak /w/csrc/planted.c:18:19

SUMMARY: AddressSanitizer: 128 byte(s) leaked in 2 allocation(s).";
    let report = parse_report(out);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].occurrences, 2);
    assert_eq!(report.findings[0].kind, "direct leak");
}

#[test]
fn valgrind_errors_and_leaks() {
    let out = "==77== Invalid write of size 4
==77==    at 0x10A1B2: planted_heap_overflow (planted.c:11)
==77==    by 0x10A2C3: sanitize_fixture_planted::tests::heap_overflow (lib.rs:20)
==77==  Address 0x4a9b050 is 0 bytes after a block of size 16 alloc'd
==77==    at 0x4848899: malloc (vg_replace_malloc.c:381)
==77==
==77== 64 bytes in 1 blocks are definitely lost in loss record 1 of 1
==77==    at 0x4848899: malloc (vg_replace_malloc.c:381)
==77==    by 0x10A1F0: planted_leak (planted.c:18)
==77==    by 0x1: ??? (in /usr/lib/libc.so.6)
";
    let report = parse_report(out);
    assert_eq!(report.findings.len(), 2, "{report:?}");
    assert_eq!(report.findings[0].kind, "Invalid write of size 4");
    assert_eq!(report.findings[0].frames.len(), 2);
    assert_eq!(report.findings[1].kind, "definitely lost");
    let at = report.findings[1].location.as_ref().expect("location");
    assert_eq!(
        (at.function.as_deref(), at.line),
        (Some("planted_leak"), Some(18))
    );
    assert_eq!(report.findings[1].frames[2], Frame::default());
}

#[test]
fn plain_test_output_is_no_finding() {
    let out = "test a ... ok\n#0 not a frame\nSUMMARY: 3 passed\n==12== \nruntime error\n";
    assert_eq!(parse_report(out), Report::default());
}
