//! The `vroegsignaal` binary.
fn main() {}
