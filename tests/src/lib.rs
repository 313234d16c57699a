//! Integration and compile-fail tests for ferrofit live in `tests/`; this crate has no code.
