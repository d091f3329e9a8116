//! Callbacks from real workers to the host: host functions reached only when given to the
//! call, arguments checked like any reply, garbage ids and arguments refused, a panicking
//! handler an error for its call, nesting and number bounded, and a worker that dies or
//! hangs in the middle cut like any call.

mod support;

use std::cell::RefCell;
use std::time::Duration;

use ffiguard_sandbox::callbacks::{CallbackError, Callbacks, HostFn, MAX_CALLBACK_DEPTH};
use ffiguard_sandbox::{ByteBuf, ReplyError, Sandbox, SandboxError, Tainted, isolated};

static ADD: HostFn<(u64, u64), u64> = HostFn::new("add");
static LOG: HostFn<String, ()> = HostFn::new("log");
static READ_MORE: HostFn<u64, ByteBuf> = HostFn::new("read more");
static NOT_GIVEN: HostFn<(), u32> = HostFn::new("not given");
static DESCEND: HostFn<u32, Result<u32, String>> = HostFn::new("descend");

/// Sums through the host, logging each step, and reads input from the host until it is
/// exhausted.
#[isolated]
fn sum_through_host(values: Vec<u64>) -> Result<(u64, usize), CallbackError> {
    let mut sum = 0;
    for value in values {
        sum = ADD.call((sum, value))?;
        LOG.call(format!("sum is {sum}"))?;
    }
    let mut input = 0;
    loop {
        let chunk = READ_MORE.call(u64::try_from(input).unwrap_or(u64::MAX))?;
        if chunk.is_empty() {
            break;
        }
        input += chunk.len();
    }
    Ok((sum, input))
}

#[isolated]
fn call_not_given() -> Result<u32, CallbackError> {
    NOT_GIVEN.call(())
}

/// Asks the host for callback `id` with raw `payload` bytes; the status word the host answered.
#[isolated]
fn raw(id: u64, payload: Vec<u8>, claimed: Option<u64>) -> Result<u32, CallbackError> {
    ffiguard_sandbox::test_hooks::raw_callback(id, &payload, claimed).map(|(status, _)| status)
}

#[isolated]
fn add_forever() -> Result<u64, CallbackError> {
    let mut sum = 0;
    loop {
        sum = ADD.call((sum, 1))?;
    }
}

#[isolated]
fn log_then_hang() {
    let _ = LOG.call("about to hang".into());
    loop {
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[isolated]
fn log_once() -> Result<(), CallbackError> {
    LOG.call("once".into())
}

/// Goes one level deeper through the host; the level at which the host refused to nest.
#[isolated]
fn descend(level: u32) -> Result<u32, String> {
    match DESCEND.call(level) {
        Ok(deeper) => deeper,
        Err(CallbackError::TooDeep) => Ok(level),
        Err(other) => Err(other.to_string()),
    }
}

fn sandbox() -> Sandbox {
    Sandbox::builder()
        .workers(MAX_CALLBACK_DEPTH + 2)
        .deadline(Duration::from_secs(10))
        .build()
        .expect("sandbox")
}

fn checked_add(pair: Tainted<(u64, u64)>) -> u64 {
    pair.verify(|(a, b)| a.checked_add(b).ok_or(()))
        .unwrap_or(u64::MAX)
}

fn callbacks_reach_the_host_and_return() {
    let sandbox = sandbox();
    let log = RefCell::new(Vec::new());
    let input = vec![7u8; 10_000];
    let mut adds = 0;
    let mut callbacks = Callbacks::new()
        .on(&ADD, |pair| {
            adds += 1;
            checked_add(pair)
        })
        .on(&LOG, |line: Tainted<String>| {
            log.borrow_mut().push(line.trust_unverified("kept as text"));
        })
        .on(&READ_MORE, |offset: Tainted<u64>| {
            let start = offset
                .verify(|offset| usize::try_from(offset).map_err(|_| ()))
                .unwrap_or(usize::MAX)
                .min(input.len());
            ByteBuf::from(input[start..(start + 4096).min(input.len())].to_vec())
        });
    let result = sum_through_host::call_with_callbacks(&sandbox, &mut callbacks, vec![1, 2, 3])
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(result, Ok((6, 10_000)));
    drop(callbacks);
    assert_eq!(adds, 3);
    assert_eq!(log.borrow().last().map(String::as_str), Some("sum is 6"));
    // In a session, the same.
    let mut session = sandbox.session().expect("session");
    let mut callbacks = Callbacks::new()
        .on(&ADD, checked_add)
        .on(&LOG, |_| ())
        .on(&READ_MORE, |_| ByteBuf::from(Vec::new()));
    let result =
        sum_through_host::call_in_with_callbacks(&mut session, &mut callbacks, vec![40, 2])
            .expect("call")
            .trust_unverified("compared");
    assert_eq!(result, Ok((42, 0)));
}

/// Only what the call was given: not another host function, not another call's table.
fn a_worker_reaches_only_what_it_was_given() {
    let sandbox = sandbox();
    let mut reached = false;
    let mut callbacks = Callbacks::new().on(&ADD, |_| {
        reached = true;
        0
    });
    let result = call_not_given::call_with_callbacks(&sandbox, &mut callbacks)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(result, Err(CallbackError::Unknown("not given".into())));
    drop(callbacks);
    assert!(!reached);
    // A plain call is given nothing.
    let result = log_once::call(&sandbox)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(result, Err(CallbackError::Unknown("log".into())));
    // In a session, a table given to one call is not the next call's.
    let mut session = sandbox.session().expect("session");
    let mut callbacks = Callbacks::new().on(&LOG, |_| ());
    let given = log_once::call_in_with_callbacks(&mut session, &mut callbacks)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(given, Ok(()));
    let next = log_once::call_in(&mut session)
        .expect("call")
        .trust_unverified("compared");
    assert!(matches!(next, Err(CallbackError::Unknown(_))), "{next:?}");
}

/// Ids and arguments of the worker's choosing: unknown ids and undecodable arguments are
/// answered with a refusal and run nothing; a length past the callback area ends the call.
fn garbage_ids_and_arguments_are_refused() {
    let sandbox = sandbox();
    let add_id = ffiguard_sandbox::__private::function_id("add", "host function");
    let mut reached = 0;
    let mut callbacks = Callbacks::new().on(&ADD, |pair| {
        reached += 1;
        checked_add(pair)
    });
    for id in [0, 1, u64::MAX, add_id ^ 1, 0x5eed_5eed_5eed_5eed] {
        let status = raw::call_with_callbacks(&sandbox, &mut callbacks, id, vec![1, 2], None)
            .expect("call")
            .trust_unverified("compared");
        assert_eq!(status, Ok(1), "id {id:#x}: unknown");
    }
    for payload in [vec![], vec![0xff; 12], vec![1], vec![0x80; 64 << 10]] {
        let status = raw::call_with_callbacks(&sandbox, &mut callbacks, add_id, payload, None)
            .expect("call")
            .trust_unverified("compared");
        assert_eq!(status, Ok(2), "bad arguments");
    }
    let status = raw::call_with_callbacks(&sandbox, &mut callbacks, add_id, vec![1, 2, 9], None)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(status, Ok(2), "trailing bytes");
    let error =
        raw::call_with_callbacks(&sandbox, &mut callbacks, add_id, vec![1, 2], Some(u64::MAX))
            .expect_err("a length past the callback area");
    assert!(
        matches!(
            &error,
            SandboxError::Reply {
                source: ReplyError::LengthOutOfBounds { .. },
                ..
            }
        ),
        "{error}"
    );
    assert!(error.worker_replaced());
    let status = raw::call_with_callbacks(&sandbox, &mut callbacks, add_id, vec![1, 2], None)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(status, Ok(0));
    drop(callbacks);
    assert_eq!(reached, 1, "only the well-formed call reached the handler");
}

/// A handler that panics fails its call; the worker was told and serves on (a session goes
/// on too).
fn a_panicking_handler_fails_its_call() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let mut callbacks = Callbacks::new().on(&LOG, |_| panic!("the handler's own bug"));
    let error = log_once::call_in_with_callbacks(&mut session, &mut callbacks)
        .expect_err("the handler panicked");
    assert!(
        matches!(
            &error,
            SandboxError::Callback {
                source: CallbackError::HandlerPanicked(message),
                ..
            } if message.contains("the handler's own bug")
        ),
        "{error}"
    );
    assert!(session.is_active());
    let mut callbacks = Callbacks::new().on(&LOG, |_| ());
    let again = log_once::call_in_with_callbacks(&mut session, &mut callbacks)
        .expect("the next call")
        .trust_unverified("compared");
    assert_eq!(again, Ok(()));
}

fn host_descend(sandbox: &Sandbox, level: u32) -> Result<u32, String> {
    let mut callbacks = Callbacks::new().on(&DESCEND, |next: Tainted<u32>| {
        let next = next.verify(|next| if next == level { Ok(next) } else { Err(next) });
        match next {
            Ok(next) => host_descend(sandbox, next + 1),
            Err(other) => Err(format!("asked for level {other}")),
        }
    });
    descend::call_with_callbacks(sandbox, &mut callbacks, level)
        .map_err(|error| error.to_string())?
        .trust_unverified("compared")
}

/// A handler that makes an isolated call whose worker calls back, and so on: the host refuses
/// to nest handlers deeper than `MAX_CALLBACK_DEPTH`.
fn nested_callbacks_are_bounded() {
    let sandbox = sandbox();
    let refused_at = host_descend(&sandbox, 0).expect("every level answered");
    assert_eq!(refused_at, u32::try_from(MAX_CALLBACK_DEPTH).unwrap_or(0));
}

fn the_number_of_callbacks_is_bounded() {
    let sandbox = sandbox();
    let mut callbacks = Callbacks::new().on(&ADD, checked_add).max_calls(1000);
    let error =
        add_forever::call_with_callbacks(&sandbox, &mut callbacks).expect_err("past the bound");
    assert!(
        matches!(
            error,
            SandboxError::Callback {
                source: CallbackError::TooMany { max: 1000 },
                ..
            }
        ),
        "{error}"
    );
    assert!(error.worker_replaced());
}

/// The worker dies while the host runs its handler: the call is a typed error, the session
/// ends, the host does not wait for an answer that cannot come.
fn a_worker_dying_mid_callback_ends_the_call() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let pid = session.worker_pid().expect("a worker");
    let mut callbacks = Callbacks::new().on(&LOG, |_| {
        let pid = libc::pid_t::try_from(pid).unwrap_or(0);
        // SAFETY: kill has no memory effects; `pid` is this session's worker, our child.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    });
    let error = log_once::call_in_with_callbacks(&mut session, &mut callbacks)
        .expect_err("the worker died");
    assert!(error.worker_replaced(), "{error}");
    assert!(!session.is_active());
}

/// A worker that never comes back from a callback is cut by the call's deadline.
fn a_worker_that_never_returns_is_cut_by_the_deadline() {
    let sandbox = Sandbox::builder()
        .deadline(Duration::from_millis(500))
        .build()
        .expect("sandbox");
    let mut logged = 0;
    let mut callbacks = Callbacks::new().on(&LOG, |_| logged += 1);
    let started = std::time::Instant::now();
    let error = log_then_hang::call_with_callbacks(&sandbox, &mut callbacks).expect_err("hung");
    assert!(matches!(error, SandboxError::Timeout { .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(callbacks);
    assert_eq!(logged, 1);
}

#[isolated]
fn keep_a_number() -> Result<ffiguard_sandbox::Remote<u64>, ffiguard_sandbox::RemoteError> {
    ffiguard_sandbox::Remote::new(7)
}

/// A handler runs outside the session whose call it serves: a handle from an isolated call
/// the handler makes (another worker's) is refused, not taken into that session.
fn handles_do_not_travel_through_handlers() {
    let sandbox = sandbox();
    let mut session = sandbox.session().expect("session");
    let nested = RefCell::new(None);
    let mut callbacks = Callbacks::new().on(&LOG, |_| {
        *nested.borrow_mut() = Some(keep_a_number::call(&sandbox).map(|_| ()));
    });
    let result = log_once::call_in_with_callbacks(&mut session, &mut callbacks)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(result, Ok(()));
    drop(callbacks);
    let nested = nested.into_inner().expect("the handler ran");
    assert!(
        matches!(&nested, Err(SandboxError::Reply { .. })),
        "a plain call's handle was taken: {nested:?}"
    );
    assert_eq!(session.live_handles(), 0);
}

/// A worker asking for callbacks back to back, with no bound on their number that it would
/// reach in time, is cut by the deadline all the same.
fn a_callback_flood_is_cut_by_the_deadline() {
    let sandbox = Sandbox::builder()
        .deadline(Duration::from_millis(300))
        .build()
        .expect("sandbox");
    let mut callbacks = Callbacks::new().on(&ADD, checked_add).max_calls(u64::MAX);
    let started = std::time::Instant::now();
    let error = add_forever::call_with_callbacks(&sandbox, &mut callbacks).expect_err("flood");
    assert!(matches!(error, SandboxError::Timeout { .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Outside a worker there is no host to call.
fn a_host_function_called_on_the_host_has_no_host() {
    assert_eq!(LOG.call("here".into()), Err(CallbackError::NoHost));
}

fn main() {
    support::run(ffiguard_sandbox::tests![
        callbacks_reach_the_host_and_return,
        a_worker_reaches_only_what_it_was_given,
        garbage_ids_and_arguments_are_refused,
        a_panicking_handler_fails_its_call,
        nested_callbacks_are_bounded,
        the_number_of_callbacks_is_bounded,
        a_worker_dying_mid_callback_ends_the_call,
        a_worker_that_never_returns_is_cut_by_the_deadline,
        a_host_function_called_on_the_host_has_no_host,
        handles_do_not_travel_through_handlers,
        a_callback_flood_is_cut_by_the_deadline,
    ]);
}
