//! Compile-fail and compile-pass tests of `#[rest_api]`: each file under `ui/<category>/` holds
//! one kind of mistake next to the `.stderr` a user would see; `ui/pass/` holds tricky traits
//! that must compile and run.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/template/*.rs");
    cases.compile_fail("ui/params/*.rs");
    cases.compile_fail("ui/signature/*.rs");
    cases.compile_fail("ui/attributes/*.rs");
    cases.compile_fail("ui/bodies/*.rs");
    cases.compile_fail("ui/mocks/*.rs");
    cases.pass("ui/pass/*.rs");
}
