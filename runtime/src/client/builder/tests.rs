//! Settings `build()` refuses or normalizes.

use super::*;

fn base(url: &str) -> Result<String> {
    ClientBuilder::new()
        .base_url(url)
        .build()
        .map(|c| c.base_url().to_owned())
}

#[test]
fn base_url_trailing_slash_makes_no_difference() {
    assert_eq!(base("https://h.test/api/").unwrap(), "https://h.test/api");
    assert_eq!(base("https://h.test/api").unwrap(), "https://h.test/api");
    assert_eq!(base("https://h.test").unwrap(), "https://h.test");
}

#[test]
fn bad_base_urls_fail_at_build() {
    for bad in [
        "not a url",
        "ftp://h.test/",
        "https://h.test/?a=1",
        "https://h.test/#x",
    ] {
        let error = base(bad).unwrap_err();
        assert!(matches!(error, Error::Config { .. }), "{bad}: {error:?}");
    }
    let missing = ClientBuilder::new().build().unwrap_err();
    assert!(missing.to_string().contains("no base URL"), "{missing}");
}

#[test]
fn invalid_default_header_fails_at_build() {
    let error = ClientBuilder::new()
        .base_url("https://h.test")
        .default_header("X-Bad", "a\r\nInjected: yes")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("X-Bad"), "{error}");
}

#[test]
fn http_client_with_our_timeouts_is_rejected() {
    let error = ClientBuilder::new()
        .base_url("https://h.test")
        .http_client(reqwest::Client::new())
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap_err();
    assert!(matches!(error, Error::Config { .. }));
}
