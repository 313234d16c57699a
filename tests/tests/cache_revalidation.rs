//! A `304` updates a stored response only if its validator names it (RFC 9111 §4.3.4): a
//! `304` about the caller's own condition goes back to the caller, and one about neither is
//! not taken for ours. `stale-while-revalidate` (RFC 5861) serves the stale entry at once and
//! revalidates it in the background, within its window only.

mod support;

use ferrofit::ResponseSource;
use support::feed_cache::{Feed as _, header, setup};
use support::origin::Reply;

fn stale_entry_then(s: &support::feed_cache::Setup, answer: Reply) {
    s.origin
        .reply(Reply::ok(
            "stored body",
            &[("cache-control", "max-age=1"), ("etag", "\"stored\"")],
        ))
        .reply(answer);
}

#[tokio::test]
async fn a_304_for_the_callers_own_condition_goes_back_to_the_caller() {
    let s = setup().await;
    stale_entry_then(
        &s,
        Reply::status(
            304,
            "",
            &[("cache-control", "max-age=3600"), ("etag", "\"client\"")],
        ),
    );
    s.api.feed().await.unwrap();
    s.clock.advance(5);
    let error = s
        .api
        .feed_if_none_match("\"client\"")
        .await
        .expect_err("the caller gets the 304 it asked for, not the stored 200");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(304));
    let (_, _, sent) = s.origin.last();
    assert_eq!(
        header(&sent, "if-none-match"),
        Some("\"client\", \"stored\"")
    );
    // The stored entry was not refreshed by a 304 about another representation.
    s.origin.reply(Reply::ok(
        "new body",
        &[("cache-control", "max-age=60"), ("etag", "\"new\"")],
    ));
    let next = s.api.feed().await.unwrap();
    assert_eq!(
        (next.as_str(), next.source()),
        ("new body", ResponseSource::Network)
    );
}

#[tokio::test]
async fn a_304_naming_another_validator_is_not_taken_for_ours() {
    let s = setup().await;
    stale_entry_then(
        &s,
        Reply::status(
            304,
            "",
            &[("cache-control", "max-age=3600"), ("etag", "\"other\"")],
        ),
    );
    s.api.feed().await.unwrap();
    s.clock.advance(5);
    s.origin.reply(Reply::ok(
        "full body",
        &[("cache-control", "max-age=60"), ("etag", "\"other\"")],
    ));
    let answer = s.api.feed().await.unwrap();
    assert_eq!(
        (answer.as_str(), answer.source()),
        ("full body", ResponseSource::Network),
        "fetched again without a condition"
    );
    assert_eq!(s.origin.hits(), 3);
    let (_, _, sent) = s.origin.last();
    assert_eq!(header(&sent, "if-none-match"), None);
}

#[tokio::test]
async fn a_304_without_validators_answers_our_own_revalidation() {
    let s = setup().await;
    stale_entry_then(
        &s,
        Reply::status(304, "", &[("cache-control", "max-age=3600")]),
    );
    s.api.feed().await.unwrap();
    s.clock.advance(5);
    let answer = s.api.feed().await.unwrap();
    assert_eq!(
        (answer.as_str(), answer.source()),
        ("stored body", ResponseSource::Revalidated)
    );
}

/// Calls until the feed is `body` from the store, as the background revalidation lands.
async fn until_served_from_store(s: &support::feed_cache::Setup, body: &str) {
    for _ in 0..2000 {
        let answer = s.api.feed().await.unwrap();
        if (answer.as_str(), answer.source()) == (body, ResponseSource::Cache) {
            return;
        }
        assert_eq!(answer.source(), ResponseSource::StaleWhileRevalidate);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("the background revalidation never landed");
}

#[tokio::test]
async fn stale_while_revalidate_serves_at_once_and_refreshes_in_the_background() {
    let s = setup().await;
    s.origin.reply(Reply::ok(
        "v1",
        &[("cache-control", "max-age=1, stale-while-revalidate=60")],
    ));
    s.api.feed().await.unwrap();
    s.clock.advance(5);
    s.origin
        .reply(Reply::ok("v2", &[("cache-control", "max-age=60")]));
    let stale = s.api.feed().await.unwrap();
    assert_eq!(
        (stale.as_str(), stale.source()),
        ("v1", ResponseSource::StaleWhileRevalidate)
    );
    until_served_from_store(&s, "v2").await;
    assert_eq!(
        s.origin.hits(),
        2,
        "one revalidation, however many calls saw it stale"
    );
}

#[tokio::test]
async fn past_the_stale_while_revalidate_window_the_network_answers() {
    let s = setup().await;
    s.origin.reply(Reply::ok(
        "v1",
        &[("cache-control", "max-age=1, stale-while-revalidate=4")],
    ));
    s.api.feed().await.unwrap();
    s.clock.advance(10);
    s.origin
        .reply(Reply::ok("v2", &[("cache-control", "max-age=60")]));
    let answer = s.api.feed().await.unwrap();
    assert_eq!(
        (answer.as_str(), answer.source()),
        ("v2", ResponseSource::Network)
    );
}

#[tokio::test]
async fn must_revalidate_forbids_serving_stale_while_revalidating() {
    let s = setup().await;
    s.origin.reply(Reply::ok(
        "v1",
        &[(
            "cache-control",
            "max-age=1, stale-while-revalidate=60, must-revalidate",
        )],
    ));
    s.api.feed().await.unwrap();
    s.clock.advance(5);
    s.origin
        .reply(Reply::ok("v2", &[("cache-control", "max-age=60")]));
    assert_eq!(s.api.feed().await.unwrap().as_str(), "v2");
}
