#!/usr/bin/env bash
# Runs the pure-Rust tests of the runtime crates under Miri, when a nightly toolchain with the
# miri component is installed (CI machines without one skip this step and say so).
#
# Miri cannot call C (strnlen, strtol, strdup, glibc's version, the layout test's C compiler),
# and models neither partial munmap nor mprotect'd guard pages, so the tests that exercise
# real C or real page protections are skipped by name below, and the `ptr`, `layout` and
# `version` test files (nearly all such tests) are left out; they run natively and under the
# sanitizers instead. A skip list here rather than `cfg(miri)` keeps the tests unchanged.
# `thread_bound_refuses_access_and_drop_from_a_smuggled_thread` leaks on purpose, which Miri
# reports as a leak; two tests that spin many OS threads are too slow interpreted.
set -euo pipefail
cd "$(dirname "$0")/../../.."

if ! cargo +nightly miri --version >/dev/null 2>&1; then
    echo "miri: skipped (no nightly toolchain with the miri component: rustup +nightly component add miri)"
    exit 0
fi
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"

miri() {
    cargo +nightly miri test -q "$@"
}

miri -p ffiguard-sanitize --lib
miri -p ffiguard --lib -- --skip cstr::read::tests::pointer_reads_respect_the_bound_exactly
miri -p ffiguard --test export
miri -p ffiguard --test callback_registered -- --skip abort_policy_aborts_on_reentry
miri -p ffiguard --test callback_scoped -- \
    --skip any_thread_closure_is_called_concurrently_from_c_threads
miri -p ffiguard --test sync_confinement -- --skip library_lock_serializes_eight_threads \
    --skip thread_bound_refuses_access_and_drop_from_a_smuggled_thread
miri -p ffiguard --test conv -- --skip long_results_narrowed_with_a_named_error
miri -p ffiguard --test error -- --skip huge_and_non_utf8_messages_are_bounded_and_never_panic \
    --skip unterminated_library_message_is_cut_before_a_guard_page
miri -p ffiguard --test owned -- --skip c_text_from_strdup_is_freed_once_with_the_c_free \
    --skip c_text_that_is_not_utf8_is_an_error_but_its_bytes_are_readable \
    --skip unterminated_c_text_is_rejected_and_still_freed
miri -p ffiguard --test cstr -- --skip buffer_c_left_unterminated_is_an_error \
    --skip interior_nul_never_reaches_c \
    --skip string_ending_at_the_guard_page_reads_with_a_large_bound \
    --skip string_returned_by_libc_reads_through_the_probe \
    --skip strings_crossing_page_boundaries_are_read_whole \
    --skip unterminated_string_running_into_the_guard_page_is_an_error
echo "miri: done"
