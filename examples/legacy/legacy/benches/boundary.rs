//! Boundary overhead: the guarded wrapper call next to the raw `unsafe` call.
fn main() {}
