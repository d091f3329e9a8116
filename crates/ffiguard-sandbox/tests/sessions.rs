//! Sessions through real workers: state that lives between calls, handles freed when the host
//! drops them, handles refused outside their session, and a session that ends — never moves —
//! when its worker dies, hangs or lies about handles.

mod support;

use std::time::Duration;

use ffiguard_sandbox::session::MAX_OBJECTS;
use ffiguard_sandbox::{Remote, RemoteError, Sandbox, SandboxError, Session, isolated};

#[isolated]
fn counter(start: u64) -> Result<Remote<u64>, RemoteError> {
    Remote::new(start)
}

#[isolated]
fn bump(counter: Remote<u64>) -> Result<u64, RemoteError> {
    counter.with(|n| {
        *n += 1;
        *n
    })
}

#[isolated]
fn live_objects() -> usize {
    ffiguard_sandbox::session::live_objects()
}

/// Keeps an object in whatever worker runs it, and answers how many it holds.
#[isolated]
fn keep_one() -> usize {
    std::mem::forget(Remote::new(1_u8));
    ffiguard_sandbox::session::live_objects()
}

/// Answers with `copies` names for one object, as a worker that repeats an id would.
#[isolated]
fn repeat(counter: Remote<u64>, copies: usize) -> Vec<Remote<u64>> {
    vec![counter; copies]
}

#[isolated]
fn segfault() {
    support::write_to_unmapped_page();
}

#[isolated]
fn hang() {
    loop {
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[isolated]
fn use_twice(counter: Remote<u64>) -> Result<u64, RemoteError> {
    counter.with(|_| counter.with(|n| *n))?
}

fn sandbox() -> Sandbox {
    Sandbox::builder()
        .workers(3)
        .deadline(Duration::from_secs(10))
        .build()
        .expect("sandbox")
}

fn new_counter(session: &mut Session<'_>, start: u64) -> Remote<u64> {
    counter::call_in(session, start)
        .expect("call")
        .trust_unverified("an opaque name")
        .expect("kept")
}

fn bumped(session: &mut Session<'_>, handle: &Remote<u64>) -> Result<u64, SandboxError> {
    Ok(bump::call_in(session, handle.clone())?
        .trust_unverified("compared")
        .expect("live"))
}

fn live_in_worker(session: &mut Session<'_>) -> usize {
    live_objects::call_in(session)
        .expect("call")
        .trust_unverified("compared")
}

fn state_lives_between_calls() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let pid = session.worker_pid();
    let handle = new_counter(&mut session, 41);
    assert_eq!(bumped(&mut session, &handle).expect("bump"), 42);
    assert_eq!(bumped(&mut session, &handle).expect("bump"), 43);
    let other = new_counter(&mut session, 0);
    assert_eq!(bumped(&mut session, &other).expect("bump"), 1);
    assert_eq!(bumped(&mut session, &handle).expect("bump"), 44);
    assert_eq!(session.worker_pid(), pid, "a session never moves");
    assert_eq!(session.live_handles(), 2);
}

fn dropped_handles_are_freed_in_the_worker() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let kept = new_counter(&mut session, 1);
    let copy = kept.clone();
    let dropped: Vec<Remote<u64>> = (0..3).map(|n| new_counter(&mut session, n)).collect();
    assert_eq!(live_in_worker(&mut session), 4);
    drop(dropped);
    drop(kept);
    // The frees travel with the next call; `copy` still names its object.
    assert_eq!(live_in_worker(&mut session), 1);
    assert_eq!(bumped(&mut session, &copy).expect("bump"), 2);
    assert_eq!(session.live_handles(), 1);
}

fn a_handle_works_only_in_its_own_session() {
    let sandbox = sandbox();
    let mut first = sandbox.session().expect("session");
    let mut second = sandbox.session().expect("session");
    let theirs = new_counter(&mut first, 7);
    let error = bump::call_in(&mut second, theirs.clone()).expect_err("another session's handle");
    assert!(
        matches!(&error, SandboxError::Encode { message, .. } if message.contains("another session")),
        "{error}"
    );
    assert!(
        second.is_active(),
        "a refused argument does not end the session"
    );
    // Nor outside any session (the pool has a third worker for the plain call).
    let error = bump::call(&sandbox, theirs.clone()).expect_err("outside its session");
    assert!(matches!(error, SandboxError::Encode { .. }), "{error}");
    assert_eq!(bumped(&mut first, &theirs).expect("bump"), 8);
}

fn a_handle_returned_outside_a_session_is_refused() {
    let sandbox = sandbox();
    let error = counter::call(&sandbox, 1).expect_err("no session to hold it");
    assert!(
        matches!(&error, SandboxError::Reply { .. }) && error.to_string().contains("session"),
        "{error}"
    );
}

fn sessions_start_on_workers_that_served_no_call() {
    let sandbox = Sandbox::builder().workers(1).build().expect("sandbox");
    let kept = keep_one::call(&sandbox)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(kept, 1);
    let mut session = sandbox.session().expect("session");
    assert_eq!(live_in_worker(&mut session), 0);
}

fn a_crash_ends_the_session_and_its_handles() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let handle = new_counter(&mut session, 1);
    let error = segfault::call_in(&mut session).expect_err("crash");
    assert!(matches!(error, SandboxError::Crashed { .. }), "{error}");
    assert!(!session.is_active());
    let error = bumped(&mut session, &handle).expect_err("the state is gone");
    let SandboxError::SessionEnded { cause } = &error else {
        panic!("not ended: {error}");
    };
    assert!(
        cause.contains("SIGSEGV") && cause.contains("segfault"),
        "{cause}"
    );
    assert!(session.end().is_err(), "ending reports the cause");
    // The pool slot came back: new sessions take every slot.
    let mut one = sandbox.session().expect("session");
    let mut two = sandbox.session().expect("session");
    let _three = sandbox.session().expect("session");
    let (first, second) = (new_counter(&mut one, 0), new_counter(&mut two, 5));
    assert_eq!(bumped(&mut one, &first).expect("bump"), 1);
    assert_eq!(bumped(&mut two, &second).expect("bump"), 6);
}

fn a_missed_deadline_ends_the_session() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let handle = new_counter(&mut session, 1);
    let error =
        hang::call_in_with_deadline(&mut session, Duration::from_millis(300)).expect_err("hang");
    assert!(matches!(error, SandboxError::Timeout { .. }), "{error}");
    let error = bumped(&mut session, &handle).expect_err("ended");
    assert!(
        matches!(error, SandboxError::SessionEnded { .. }),
        "{error}"
    );
}

/// A worker that hands back one id under several names cannot make the host use a freed
/// object: once one name is dropped the object is freed, and the others are refused by the
/// worker's generation check — the session ends with a typed error, no other object is
/// reached.
fn repeated_ids_end_in_a_typed_error() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let handle = new_counter(&mut session, 1);
    let copies = repeat::call_in(&mut session, handle.clone(), 3)
        .expect("call")
        .trust_unverified("names the worker chose");
    assert_eq!(session.live_handles(), 4);
    drop(handle);
    let _other = new_counter(&mut session, 100); // may take the freed slot
    let error = bumped(&mut session, &copies[0]).expect_err("freed");
    assert!(
        matches!(&error, SandboxError::Reply { .. }),
        "the worker refuses the stale id before the function runs: {error}"
    );
    assert!(!session.is_active());
}

/// The host keeps its own count: a reply with more names than a session may hold ends it.
fn a_session_holds_a_bounded_number_of_handles() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let handle = new_counter(&mut session, 1);
    let error =
        repeat::call_in(&mut session, handle.clone(), MAX_OBJECTS + 1).expect_err("over the bound");
    assert!(
        error
            .to_string()
            .contains(&format!("more than {MAX_OBJECTS} handles")),
        "{error}"
    );
    assert!(!session.is_active());
}

fn one_object_at_a_time() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let handle = new_counter(&mut session, 1);
    let nested = use_twice::call_in(&mut session, handle)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(nested, Err(RemoteError::InUse));
}

/// A fresh worker per call isolates callers of the pool; a session is one caller, so its
/// calls share their worker, and the pool's calls still get fresh ones after it.
fn sessions_and_fresh_workers_per_call_fit_together() {
    let sandbox = Sandbox::builder()
        .workers(2)
        .fresh_worker_per_call()
        .build()
        .expect("sandbox");
    let mut session = sandbox.session().expect("session");
    let handle = new_counter(&mut session, 1);
    assert_eq!(bumped(&mut session, &handle).expect("bump"), 2);
    assert_eq!(bumped(&mut session, &handle).expect("bump"), 3);
    drop(handle);
    drop(session);
    for _ in 0..2 {
        let kept = keep_one::call(&sandbox)
            .expect("call")
            .trust_unverified("compared");
        assert_eq!(
            kept, 1,
            "each plain call starts on a worker with nothing kept"
        );
    }
}

/// Refuses to be encoded, as a user's type might.
#[derive(Debug, serde::Deserialize)]
struct Unencodable;

impl serde::Serialize for Unencodable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("unencodable"))
    }
}

#[isolated]
fn takes_unencodable(_value: Unencodable) {}

/// The reason a handle was refused is put into that call's error only: a handle the caller
/// tried to encode outside any call does not lend its reason to a later, unrelated failure.
fn a_refused_handle_explains_only_its_own_call() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let handle = new_counter(&mut session, 1);
    assert!(postcard::to_allocvec(&handle).is_err(), "outside any call");
    let error = takes_unencodable::call(&sandbox, Unencodable).expect_err("cannot encode");
    let SandboxError::Encode { message, .. } = &error else {
        panic!("not an encoding error: {error}");
    };
    assert!(!message.contains("session"), "{message}");
}

fn main() {
    support::run(ffiguard_sandbox::tests![
        state_lives_between_calls,
        dropped_handles_are_freed_in_the_worker,
        a_handle_works_only_in_its_own_session,
        a_handle_returned_outside_a_session_is_refused,
        sessions_start_on_workers_that_served_no_call,
        a_crash_ends_the_session_and_its_handles,
        a_missed_deadline_ends_the_session,
        repeated_ids_end_in_a_typed_error,
        a_session_holds_a_bounded_number_of_handles,
        one_object_at_a_time,
        sessions_and_fresh_workers_per_call_fit_together,
        a_refused_handle_explains_only_its_own_call,
    ]);
}
