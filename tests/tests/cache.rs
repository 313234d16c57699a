//! The cache interceptor against a scripted origin over loopback, as RFC 9111 and RFC 5861
//! say: freshness, revalidation, `Vary`, `no-store`, `must-revalidate`, offline fallback,
//! invalidation. Time is a test clock, never a real sleep. Policies, partitions and
//! concurrency are in `cache_policies.rs`.

mod support;

use std::time::Duration;

use ferrofit::cache::{CacheOptions, CachePolicy};
use ferrofit::{Error, ResponseSource};
use support::feed_cache::{Feed as _, header, setup, setup_with};
use support::origin::Reply;

#[tokio::test]
async fn a_fresh_response_is_served_from_the_store_until_max_age_passes() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok("v1", &[("cache-control", "max-age=60")]));
    let first = s.api.feed().await.unwrap();
    assert_eq!(
        (first.as_str(), first.source()),
        ("v1", ResponseSource::Network)
    );
    s.clock.advance(30);
    let hit = s.api.feed().await.unwrap();
    assert_eq!((hit.as_str(), hit.source()), ("v1", ResponseSource::Cache));
    assert_eq!(header(hit.headers(), "age"), Some("30"));
    assert_eq!(s.origin.hits(), 1);
    s.clock.advance(31);
    s.origin
        .reply(Reply::ok("v2", &[("cache-control", "max-age=60")]));
    let after = s.api.feed().await.unwrap();
    assert_eq!(
        (after.as_str(), after.source()),
        ("v2", ResponseSource::Network)
    );
    assert_eq!(s.origin.hits(), 2);
}

#[tokio::test]
async fn expires_gives_freshness_too() {
    let s = setup().await;
    let expires = httpdate::fmt_http_date(s.clock.now() + Duration::from_secs(100));
    s.origin.reply(Reply::ok("v1", &[("expires", &expires)]));
    s.api.feed().await.unwrap();
    s.clock.advance(50);
    assert_eq!(s.api.feed().await.unwrap().source(), ResponseSource::Cache);
    s.clock.advance(60);
    s.api.feed().await.unwrap();
    assert_eq!(s.origin.hits(), 2);
}

#[tokio::test]
async fn a_stale_etag_is_revalidated_and_a_304_serves_the_stored_body() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok(
            "body-1",
            &[("cache-control", "max-age=10"), ("etag", "\"e1\"")],
        ))
        .reply(Reply::status(
            304,
            "",
            &[("cache-control", "max-age=10"), ("etag", "\"e1\"")],
        ));
    s.api.feed().await.unwrap();
    s.clock.advance(20);
    let revalidated = s.api.feed().await.unwrap();
    assert_eq!(revalidated.as_str(), "body-1");
    assert_eq!(revalidated.source(), ResponseSource::Revalidated);
    assert_eq!(revalidated.status(), 200);
    let (_, _, headers) = s.origin.last();
    assert_eq!(header(&headers, "if-none-match"), Some("\"e1\""));
    // The 304 refreshed the entry: fresh again for 10 s.
    s.clock.advance(5);
    assert_eq!(s.api.feed().await.unwrap().source(), ResponseSource::Cache);
    assert_eq!(s.origin.hits(), 2);
}

#[tokio::test]
async fn last_modified_is_revalidated_with_if_modified_since() {
    let s = setup().await;
    let modified = httpdate::fmt_http_date(s.clock.now() - Duration::from_secs(3600));
    s.origin
        .reply(Reply::ok(
            "lm",
            &[("cache-control", "max-age=1"), ("last-modified", &modified)],
        ))
        .reply(Reply::status(
            304,
            "",
            &[("cache-control", "max-age=1"), ("last-modified", &modified)],
        ));
    s.api.feed().await.unwrap();
    s.clock.advance(5);
    let revalidated = s.api.feed().await.unwrap();
    assert_eq!(
        (revalidated.as_str(), revalidated.source()),
        ("lm", ResponseSource::Revalidated)
    );
    let (_, _, headers) = s.origin.last();
    assert_eq!(
        header(&headers, "if-modified-since"),
        Some(modified.as_str())
    );
}

#[tokio::test]
async fn vary_keeps_variants_apart() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok(
            "english",
            &[("cache-control", "max-age=60"), ("vary", "Accept-Language")],
        ))
        .reply(Reply::ok(
            "deutsch",
            &[("cache-control", "max-age=60"), ("vary", "Accept-Language")],
        ));
    assert_eq!(s.api.feed_in("en").await.unwrap().as_str(), "english");
    assert_eq!(
        s.api.feed_in("en").await.unwrap().source(),
        ResponseSource::Cache
    );
    let german = s.api.feed_in("de").await.unwrap();
    assert_eq!(
        (german.as_str(), german.source()),
        ("deutsch", ResponseSource::Network)
    );
}

#[tokio::test]
async fn no_store_is_never_written() {
    let s = setup().await;
    s.origin.reply(Reply::ok(
        "secret",
        &[("cache-control", "no-store, max-age=60")],
    ));
    s.api.feed().await.unwrap();
    s.api.feed().await.unwrap();
    assert_eq!(s.origin.hits(), 2);
    assert_eq!(s.store.size(), 0);
}

#[tokio::test]
async fn offline_a_stale_entry_is_served_within_max_stale_and_not_beyond() {
    let mut s = setup_with(|c| c.max_stale(Duration::from_secs(3600))).await;
    s.origin
        .reply(Reply::ok("cached", &[("cache-control", "max-age=10")]));
    s.api.feed().await.unwrap();
    s.origin.stop().await;
    s.clock.advance(600);
    let offline = s.api.feed().await.unwrap();
    assert_eq!(
        (offline.as_str(), offline.source()),
        ("cached", ResponseSource::StaleFallback)
    );
    s.clock.advance(3600);
    let error = s.api.feed().await.unwrap_err();
    assert!(matches!(error, Error::Network { .. }), "{error:?}");
    assert_eq!(s.store.size(), 0, "an entry past max_stale is purged");
}

#[tokio::test]
async fn a_503_falls_back_to_the_stale_entry_but_must_revalidate_never_does() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok("ok", &[("cache-control", "max-age=10")]))
        .reply(Reply::status(503, "down", &[]));
    s.api.feed().await.unwrap();
    s.clock.advance(60);
    let fallback = s.api.feed().await.unwrap();
    assert_eq!(
        (fallback.as_str(), fallback.source()),
        ("ok", ResponseSource::StaleFallback)
    );

    let s = setup().await;
    s.origin
        .reply(Reply::ok(
            "strict",
            &[("cache-control", "max-age=10, must-revalidate")],
        ))
        .reply(Reply::status(503, "down", &[]));
    s.api.feed().await.unwrap();
    s.clock.advance(60);
    assert_eq!(
        s.api.feed().await.unwrap_err().status(),
        Some(ferrofit::http::StatusCode::SERVICE_UNAVAILABLE)
    );
}

#[tokio::test]
async fn auth_failures_are_never_answered_from_the_cache() {
    let s = setup_with(|c| c.hit_cache_on_error_codes(&[401, 403, 500])).await;
    s.origin
        .reply(Reply::ok("mine", &[("cache-control", "max-age=10")]))
        .reply(Reply::status(401, "", &[]))
        .reply(Reply::status(403, "", &[("cache-control", "max-age=600")]));
    s.api.feed().await.unwrap();
    s.clock.advance(60);
    assert!(matches!(
        s.api.feed().await.unwrap_err(),
        Error::Unauthorized { .. }
    ));
    assert_eq!(
        s.api.feed().await.unwrap_err().status(),
        Some(ferrofit::http::StatusCode::FORBIDDEN)
    );
    assert_eq!(
        s.api.feed().await.unwrap_err().status(),
        Some(ferrofit::http::StatusCode::FORBIDDEN),
        "403 not stored"
    );
    assert_eq!(s.origin.hits(), 4);
}

#[tokio::test]
async fn a_successful_post_invalidates_the_url() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok("before", &[("cache-control", "max-age=600")]))
        .reply(Reply::status(201, "", &[]))
        .reply(Reply::ok("after", &[("cache-control", "max-age=600")]));
    s.api.feed().await.unwrap();
    assert_eq!(s.api.feed().await.unwrap().source(), ResponseSource::Cache);
    s.api.post("new item").await.unwrap();
    assert_eq!(s.api.feed().await.unwrap().as_str(), "after");
}

#[tokio::test]
async fn a_304_refreshes_headers_but_never_the_stored_etag_or_date() {
    let s = setup().await;
    s.origin
        .reply(Reply::ok(
            "old",
            &[
                ("cache-control", "max-age=1"),
                ("etag", "\"a\""),
                ("x-version", "1"),
            ],
        ))
        .reply(Reply::status(
            304,
            "",
            &[
                ("cache-control", "max-age=100"),
                // The weak form of the stored tag still names it (weak comparison).
                ("etag", "W/\"a\""),
                ("x-version", "2"),
            ],
        ));
    let first = s.api.feed().await.unwrap();
    s.clock.advance(5);
    let revalidated = s.api.feed().await.unwrap();
    assert_eq!(
        (revalidated.as_str(), revalidated.source()),
        ("old", ResponseSource::Revalidated)
    );
    assert_eq!(header(revalidated.headers(), "x-version"), Some("2"));
    assert_eq!(header(revalidated.headers(), "etag"), Some("\"a\""));
    assert_eq!(
        header(revalidated.headers(), "date"),
        header(first.headers(), "date")
    );
    s.clock.advance(50);
    assert_eq!(
        s.api.feed().await.unwrap().source(),
        ResponseSource::Cache,
        "fresh for the 304's max-age"
    );
}

#[tokio::test]
async fn a_head_is_answered_from_the_stored_get() {
    let s = setup().await;
    s.origin.reply(Reply::ok(
        "body",
        &[("cache-control", "max-age=60"), ("x-version", "7")],
    ));
    s.api.feed().await.unwrap();
    let head = s.api.head().await.unwrap();
    assert_eq!(head.source(), ResponseSource::Cache);
    assert_eq!(header(head.headers(), "x-version"), Some("7"));
    assert_eq!(s.origin.hits(), 1);
}

#[tokio::test]
async fn stale_if_error_extends_the_offline_window_past_max_stale() {
    let s = setup_with(|c| c.max_stale(Duration::from_secs(60))).await;
    s.origin
        .reply(Reply::ok(
            "sie",
            &[("cache-control", "max-age=10, stale-if-error=86400")],
        ))
        .reply(Reply::status(503, "", &[]));
    s.api.feed().await.unwrap();
    s.clock.advance(3600);
    // An hour stale: past the client's max_stale, within the server's stale-if-error.
    let fallback = s.api.feed().await.unwrap();
    assert_eq!(
        (fallback.as_str(), fallback.source()),
        ("sie", ResponseSource::StaleFallback)
    );
    // Only for errors: a policy that serves stale data by itself stays within max_stale.
    let forced = s
        .api
        .feed_with(CacheOptions::new().policy(CachePolicy::OnlyIfCached))
        .await;
    assert!(matches!(forced, Err(Error::CacheMiss { .. })), "{forced:?}");
}

#[tokio::test]
async fn absurd_header_values_from_a_hostile_server_are_survived() {
    let s = setup().await;
    s.origin.reply(Reply::ok(
        "forever",
        &[
            (
                "cache-control",
                "max-age=18446744073709551615, stale-if-error=18446744073709551615",
            ),
            ("age", "99999999999999999999999"),
            ("expires", "Fri, 31 Dec 9999 23:59:59 GMT"),
        ],
    ));
    s.api.feed().await.unwrap();
    s.clock.advance(3600);
    // Whatever the cache concluded, the call answers and nothing panicked.
    assert_eq!(s.api.feed().await.unwrap().as_str(), "forever");
}

#[tokio::test]
async fn must_revalidate_refuses_a_stale_entry_when_the_network_fails_too() {
    let mut s = setup().await;
    s.origin.reply(Reply::ok(
        "strict",
        &[("cache-control", "max-age=10, must-revalidate")],
    ));
    s.api.feed().await.unwrap();
    s.origin.stop().await;
    s.clock.advance(60);
    // Without `must-revalidate` this is a `StaleFallback`
    // (`offline_a_stale_entry_is_served_within_max_stale_and_not_beyond`).
    let error = s.api.feed().await.unwrap_err();
    assert!(
        matches!(error, Error::Network { .. }),
        "the network's error, not the stale entry: {error:?}"
    );
}

#[tokio::test]
async fn a_private_response_is_stored_by_this_private_cache() {
    let s = setup().await;
    s.origin.reply(Reply::ok(
        "mine",
        &[("cache-control", "private, max-age=600")],
    ));
    s.api.feed().await.unwrap();
    let again = s.api.feed().await.unwrap();
    assert_eq!(
        (again.as_str(), again.source()),
        ("mine", ResponseSource::Cache)
    );
    assert_eq!(s.origin.hits(), 1);
}
