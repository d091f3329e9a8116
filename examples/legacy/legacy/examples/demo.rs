//! What each defence of the `legacy` wrapper catches, on the real liblegacy.
//!
//! Run: `cargo run -p legacy --example demo`

use std::thread;

use legacy::{Error, Store};

fn show<T: std::fmt::Debug>(threat: &str, what: &str, outcome: legacy::Result<T>) {
    match outcome {
        Ok(value) => println!("[{threat:<11}] {what}\n{:>15} ok: {value:?}", ""),
        Err(err) => {
            println!("[{threat:<11}] {what}\n{:>15} refused: {err}", "");
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                println!("{:>15} because: {cause}", "");
                source = cause.source();
            }
        }
    }
}

fn main() -> Result<(), Error> {
    let version = legacy::check_version()?;
    println!(
        "liblegacy {version}, features {:#x}, bindings generated for 2.3\n",
        legacy::features().bits()
    );

    let mut store = Store::new("demo")?;
    store.set("greeting", "hello")?;
    store.set("number", "9223372036854775808")?;

    show(
        "contract",
        "lg_store_peek(\"$name\") returns (char *)0xdeadbeef",
        store.peek("$name"),
    );
    show(
        "contract",
        "lg_store_get leaves a value that fills the buffer unterminated",
        store.get_into("greeting", &mut [0_u8; 5]),
    );
    show(
        "compromised",
        "lg_store_get(\"$blob\") claims LONG_MAX bytes",
        store.get("$blob"),
    );
    show(
        "compromised",
        "\"$history\" grows on every read: the size protocol never settles",
        (0..100)
            .map(|_| store.get("$history"))
            .find(Result::is_err)
            .unwrap_or(Ok(String::new())),
    );
    show(
        "truncation",
        "lg_store_reserve(int) asked for 2^32 + 1 slots (C would see 1)",
        store.reserve((1 << 32) + 1),
    );
    show(
        "truncation",
        "lg_store_get_long of a value past LONG_MAX",
        store.get_i64("number"),
    );
    show(
        "overflow",
        "lg_add(INT_MAX, 1) is undefined behaviour in C",
        legacy::add(i32::MAX, 1),
    );
    show(
        "abi",
        "lg_stats {char, long, _Bool, long} read field by field",
        store.stats(),
    );
    show(
        "errors",
        "liblegacy's nonexistent-file errno",
        store.load("/nonexistent/legacy.conf".as_ref()),
    );
    store.seal()?;
    show(
        "errors",
        "a sealed store returns -9, a code legacy.h never declared",
        store.set("greeting", "bye"),
    );
    show(
        "input",
        "a key with an interior NUL (C would see \"user\")",
        store.get("user\0admin"),
    );

    let workers: Vec<_> = (0..4)
        .map(|t| {
            thread::spawn(move || -> legacy::Result<()> {
                for _ in 0..2_000 {
                    let mut s = Store::new(&format!("thread{t}"))?;
                    s.set("k", "v")?;
                }
                Ok(())
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker panicked")?;
    }
    show(
        "threads",
        "4 threads x 2000 stores on liblegacy's unlocked globals: overlapping calls seen by C",
        legacy::misuse_count(),
    );
    Ok(())
}
