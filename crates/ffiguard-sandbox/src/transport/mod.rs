//! Between host and worker: the shared region (control block and two arenas), the doorbells
//! (futexes, with spinning first), and the encoding of calls and replies: postcard frames with
//! byte buffers placed beside them in the arena, decoded by the host with its own sizes and a
//! work budget, never following an offset the worker wrote.

pub(crate) mod arena;
pub(crate) mod budget;
pub(crate) mod cores;
pub(crate) mod futex;
pub(crate) mod output_buf;
pub(crate) mod region;
pub(crate) mod spin;
pub(crate) mod spin_plan;
pub(crate) mod wire;
